"""PostgreSQL through SQLAlchemy 2.0: models, engine and session, repository functions."""
