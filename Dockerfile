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

# Exactly the set pinned in uv.lock, with its hashes, as `make dev` installs it (minus the
# dev extra). uv, at the version the Makefile pins, only turns the lock into a requirements
# list and leaves again; --locked stops the build if uv.lock is out of step with
# pyproject.toml. This layer is rebuilt only when one of the two files changes.
COPY pyproject.toml uv.lock ./
RUN pip install uv==0.13.9 \
    && uv export --locked --no-emit-project --no-cache --quiet --output-file /tmp/requirements.txt \
    && pip install --require-hashes -r /tmp/requirements.txt \
    && pip uninstall --yes uv \
    && rm /tmp/requirements.txt

# Then the project itself, with nothing more from the network than its build backend.
COPY . .
RUN pip install --no-deps . && pip check
# The worker's sandbox imports the workflow modules again for every workflow it runs: with
# their bytecode cached here it does not compile them each time (PYTHONDONTWRITEBYTECODE is
# set, and the tree is not the worker's to write).
RUN python -m compileall -q workflows

USER 10001:10001

EXPOSE 8000

# Worker: `python worker.py`. Migrations: `alembic upgrade head`.
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000"]
