"""A real IMAP server for tests: Debian's dovecot, on a free 127.0.0.1 port, configured in a
temporary directory of its own (no system configuration is read).

Users log in with a password (a passwd-file database) or with XOAUTH2 / OAUTHBEARER: dovecot's
oauth2 passdb asks a tiny local HTTP server here to introspect the bearer token. Mail is kept
as maildir under the temporary directory. As an ordinary user every dovecot process runs as
that user; as root (CI), dovecot will not run its login processes as root, so they run as the
package's own `dovenull` and `dovecot` accounts, and mail is kept as `dovecot`.

`make test` installs dovecot where apt-get can (.ci/imap-server); without it, `dovecot_missing`
says why, for a skip.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from harness.stack import free_port, terminate

START_TIMEOUT_SECONDS = 20.0


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (path for path in ("/usr/sbin/dovecot",) if Path(path).is_file()), None
    )


def dovecot_missing() -> str | None:
    """Why no IMAP server can be started here, or None when one can."""
    if dovecot_binary() is None:
        return "dovecot is not installed (make test installs dovecot-imapd where apt-get can)"
    return None


@dataclass
class ImapServer:
    host: str
    port: int
    root: Path
    passwords: dict[str, str]
    # Access token → the user it belongs to (XOAUTH2); the introspection server reads it live,
    # so a test can revoke a token by removing it.
    tokens: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(user, self.passwords[user])
        return client

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> int:
        """APPEND one message into the user's folder (created if missing); its UID."""
        client = self._client(user)
        try:
            client.create(folder)  # "NO: already exists" is fine
            status, data = client.append(folder, None, None, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
            code = client.response("APPENDUID")[1][0]
            assert isinstance(code, bytes)
            return int(code.split()[1])
        finally:
            client.logout()

    def recreate_folder(self, user: str, folder: str) -> None:
        """Delete and create the folder again: it gets a new UIDVALIDITY, its UIDs start over."""
        client = self._client(user)
        try:
            client.delete(folder)
            status, data = client.create(folder)
            if status != "OK":
                raise RuntimeError(f"CREATE failed: {data!r}")
        finally:
            client.logout()


class _Introspection(BaseHTTPRequestHandler):
    """RFC 7662-like introspection for dovecot's oauth2 passdb (introspection_mode = auth)."""

    tokens: dict[str, str] = {}

    def do_GET(self) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        user = self.tokens.get(token)
        body = {"active": "true", "email": user} if user else {"active": "false"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def _introspection_server(tokens: dict[str, str]) -> Iterator[str]:
    handler = type("Introspection", (_Introspection,), {"tokens": tokens})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/introspect"
    finally:
        server.shutdown()
        server.server_close()


def _accounts() -> tuple[str, str, pwd.struct_passwd]:
    """(login user, internal user, mail account) for dovecot's processes."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me
    return "dovenull", "dovecot", pwd.getpwnam("dovecot")


def _config(root: Path, port: int, introspection_url: str) -> str:
    login_user, internal_user, mail = _accounts()
    group = "dovecot" if os.geteuid() == 0 else grp.getgrgid(os.getegid()).gr_name
    (root / "oauth2.conf.ext").write_text(
        f"introspection_mode = auth\nintrospection_url = {introspection_url}\n"
        "force_introspection = yes\nusername_attribute = email\n"
        "active_attribute = active\nactive_value = true\n"
    )
    return f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = rapport-imap-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {group}
first_valid_uid = {mail.pw_uid}
first_valid_gid = {mail.pw_gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={root}/home/%u
}}
# No growing delay after the failed logins that tests make on purpose.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def _wait_until_listening(server: ImapServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            raise RuntimeError(f"dovecot exited early:\n{server.log()}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection((server.host, server.port), timeout=1) as probe,
        ):
            if probe.recv(64).startswith(b"* OK"):
                return
        time.sleep(0.1)
    raise RuntimeError(f"dovecot did not listen in time:\n{server.log()}")


@contextlib.contextmanager
def imap_server(
    passwords: dict[str, str], tokens: dict[str, str] | None = None
) -> Iterator[ImapServer]:
    """A running dovecot with these users (name → password) and access tokens (token → name)."""
    binary = dovecot_binary()
    if binary is None:
        raise RuntimeError(dovecot_missing())
    root = Path(tempfile.mkdtemp(prefix="rapport-imap-"))  # short: unix socket paths
    live_tokens = dict(tokens or {})
    try:
        with _introspection_server(live_tokens) as introspection_url:
            port = free_port()
            root.chmod(0o755)
            for name in ("mail", "home", "run", "state"):
                (root / name).mkdir()
            _, _, mail = _accounts()
            for name in ("mail", "home"):
                os.chown(root / name, mail.pw_uid, mail.pw_gid)
            lines = [f"{user}:{{PLAIN}}{password}::::::" for user, password in passwords.items()]
            (root / "users").write_text("\n".join(lines) + "\n")
            config = root / "dovecot.conf"
            config.write_text(_config(root, port, introspection_url))
            server = ImapServer("127.0.0.1", port, root, dict(passwords), live_tokens)
            with (root / "stdout.log").open("wb") as output:
                server.process = subprocess.Popen(
                    [binary, "-F", "-c", str(config)], stdout=output, stderr=subprocess.STDOUT
                )
            try:
                _wait_until_listening(server)
                yield server
            finally:
                terminate(server.process, 15)
    finally:
        shutil.rmtree(root, ignore_errors=True)
