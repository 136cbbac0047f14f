"""API keys: made here, stored hashed, checked by the API.

    python -m rapport.keys create --role hr --name "HR team"
    python -m rapport.keys create --role owner --name "Jane" --owner jane.doe@example.com
    python -m rapport.keys list
    python -m rapport.keys revoke <id>

Roles: `admin` (keys, erasure, everything), `hr` (enrol, signal, vacancies, campaigns),
`owner` (their own tasks and candidates), `viewer` (read only), `inbound` (posts mail to
`POST /api/inbound/email`, nothing else: for a mail provider's inbound route).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import secrets
import sys
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from rapport.db.models import ApiKey
from rapport.db.repositories import api_keys as key_repo
from rapport.db.session import make_engine, make_session_factory
from rapport.settings import Settings

ROLES = ("admin", "hr", "owner", "viewer", "inbound")
KEY_PREFIX = "rpk_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    # Keys are long random secrets, so one fast hash is enough: no salt or slow KDF needed.
    return hashlib.sha256(key.encode()).hexdigest()


async def create(
    session: AsyncSession, *, role: str, name: str, owner: str | None = None, key: str | None = None
) -> tuple[ApiKey, str]:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "owner" and not owner:
        raise ValueError("an owner key needs --owner, the email of the relationship owner")
    secret = key or new_key()
    record = key_repo.add_key(
        session,
        id=uuid.uuid4(),
        name=name,
        role=role,
        owner=owner.lower() if owner else None,
        key_hash=hash_key(secret),
        prefix=secret[:8],
    )
    await session.flush()
    return record, secret


async def find(session: AsyncSession, key: str) -> ApiKey | None:
    return await key_repo.find_by_hash(session, hash_key(key))


async def ensure(session: AsyncSession, key: str, *, role: str, name: str) -> None:
    """Make sure a key exists (RAPPORT_ADMIN_API_KEY seeds the first admin key)."""
    if await key_repo.find_by_hash(session, hash_key(key), active=False) is None:
        await create(session, role=role, name=name, key=key)


async def revoke(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    """Revoke a key from now on; one revoked already keeps the moment it was."""
    record = await key_repo.get_key(session, key_id)
    if record is not None:
        record.revoked_at = record.revoked_at or datetime.now(UTC)
    return record


async def _main(args: argparse.Namespace) -> int:
    settings = Settings()
    engine = make_engine(settings.require_database_url())
    sessions = make_session_factory(engine)
    try:
        async with sessions.begin() as session:
            if args.command == "create":
                record, secret = await create(
                    session, role=args.role, name=args.name, owner=args.owner
                )
                print(f"{secret}\n(id {record.id}, role {record.role}; shown once, keep it safe)")
            elif args.command == "list":
                for row in await key_repo.list_keys(session):
                    state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                    owner = f" owner {row.owner}" if row.owner else ""
                    print(f"{row.id}  {row.prefix}…  {row.role:<6} {row.name}{owner}  {state}")
            else:
                revoked = await revoke(session, uuid.UUID(args.id))
                if revoked is None:
                    print(f"no key {args.id}", file=sys.stderr)
                    return 1
                print(f"revoked {revoked.id}")
    finally:
        await engine.dispose()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m rapport.keys",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("create", help="make a key and print it once")
    make.add_argument("--role", required=True, choices=ROLES)
    make.add_argument("--name", required=True)
    make.add_argument("--owner", help="for an owner key: the owner's email")
    commands.add_parser("list", help="list keys (never the keys themselves)")
    revoke = commands.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id")
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(_main(args)))
    except ValueError as err:
        parser.error(str(err))


if __name__ == "__main__":
    main()
