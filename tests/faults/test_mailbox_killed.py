"""The worker SIGKILLed while it ingests a batch of 40 messages from a connected mailbox, and
restarted: every message is stored exactly once, none is skipped, and the stored position is
the folder's last UID — because each message and the position after it commit together."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.api_helpers import eventually
from harness.imap import dovecot_missing, imap_server
from harness.rig import Rig, rig
from rapport.db.repositories import inbound as inbound_repo
from rapport.db.repositories import mailboxes as mailbox_repo
from rapport.sealing import Sealer
from workflows.mailboxes import start_reading

from ..test_mailbox_reader import message

pytestmark = pytest.mark.faults

USER, PASSWORD, FOLDER = "hr@acme.example", "crash-test-pass", "Replies"
MESSAGES = 40
KILLS = 2
# A killed attempt is retried once its heartbeat times out (30 s); a loaded machine is slow.
SETTLE_WITHIN = 240.0


async def last_uid(hurt: Rig, mailbox_id: uuid.UUID) -> int:
    async with hurt.sessions() as session:
        mailbox = await mailbox_repo.get_mailbox(session, mailbox_id)
    assert mailbox is not None
    return mailbox.last_uid


async def kill_mid_batch(hurt: Rig, mailbox_id: uuid.UUID, after: int) -> int:
    """SIGKILL the worker as soon as it has stored more than `after` messages; how many it had
    (all of them, if it was quicker than the probe: the test still checks the rest)."""

    async def past() -> int | None:
        seen = await last_uid(hurt, mailbox_id)
        return seen if seen > after else None

    seen: int = await eventually(past, SETTLE_WITHIN)
    hurt.worker.restart()
    return seen


async def test_a_worker_killed_mid_mailbox_stores_each_message_once(
    fault_database: str, tmp_path: Path, report: Callable[[str], None]
) -> None:
    missing = dovecot_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    with imap_server({USER: PASSWORD}) as imap:
        uids = [imap.deliver(USER, message(n), FOLDER) for n in range(1, MESSAGES + 1)]
        async with rig(
            fault_database, tmp_path, "faults-mailbox-killed",
            mailbox_batch_size="50", mailbox_poll_seconds="1",
        ) as hurt:  # fmt: skip
            mailbox_id = uuid.uuid4()
            sealed = Sealer(hurt.settings.encryption_keys).seal(PASSWORD, str(mailbox_id))
            async with hurt.sessions.begin() as session:
                await mailbox_repo.add_mailbox(
                    session, id=mailbox_id, name="crash", host=imap.host, port=imap.port,
                    security="none", username=USER, login_method="password",
                    secret_sealed=sealed, folder=FOLDER,
                )  # fmt: skip
            hurt.worker.start()
            await start_reading(hurt.client, hurt.settings, mailbox_id)
            killed_at = []
            for kill in range(KILLS):
                killed_at.append(await kill_mid_batch(hurt, mailbox_id, kill * 10))

            async def everything() -> bool:
                return await last_uid(hurt, mailbox_id) == uids[-1]

            await eventually(everything, SETTLE_WITHIN)
            async with hurt.sessions() as session:
                stored = await inbound_repo.message_ids_from_mailbox(session, mailbox_id)

    report(f"{MESSAGES} messages, killed after {killed_at} stored; {len(stored)} rows")
    expected = {f"<m{n}@example.com>" for n in range(1, MESSAGES + 1)}
    assert sorted(stored) == sorted(expected), f"logs in {tmp_path}"
