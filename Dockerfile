# syntax=docker/dockerfile:1
# One image for the API, the worker and the migration job: they must run the same code,
# so they are built once and differ only in their command (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RAPPORT_DATA_DIR=/var/lib/rapport

# A fixed, non-zero uid lets orchestrators enforce "run as non-root" and lets volume
# permissions be prepared ahead of time. The home and data dir are the only writable
# places, because the source tree stays owned by root.
RUN groupadd --system --gid 10001 rapport \
    && useradd --system --uid 10001 --gid rapport --home-dir /var/lib/rapport \
        --shell /usr/sbin/nologin rapport \
    && install -d -o rapport -g rapport -m 0750 /var/lib/rapport

# The source root is the working directory: alembic.ini, migrations/ and templates/ are
# found relative to it, exactly as in a checkout.
WORKDIR /app
COPY . .
RUN pip install .

USER 10001:10001

EXPOSE 8000

# Worker: `python worker.py`. Migrations: `alembic upgrade head`.
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000"]
