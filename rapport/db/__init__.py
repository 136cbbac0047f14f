"""PostgreSQL through SQLAlchemy 2.0: models, engine and session, the migrations runner, and
the repositories (`rapport.db.repositories`), which hold every query."""
