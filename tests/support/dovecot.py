"""A real IMAP server for tests: Dovecot (Debian's ``dovecot-imapd``) started with its own
configuration in a temporary folder, listening on 127.0.0.1 and a free port, with one mailbox
user (plain-text password, no TLS: loopback only).

    with DovecotServer(tmp_path) as imap:
        imap.append("INBOX", raw_message_bytes)
        ... connect to 127.0.0.1:imap.port as imap.username / imap.password ...
        imap.stop(); imap.start()   # the mail server going away and coming back

It runs as the test user; under root (CI) the login and internal processes run as Debian's
``dovenull`` and ``dovecot`` users, and the mail store belongs to ``dovecot`` (Dovecot
refuses root for both).
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.services import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def available() -> bool:
    """Whether Dovecot is installed (scripts/bootstrap.sh installs it for the test suite)."""
    return Path(DOVECOT).exists()


class DovecotServer:
    """One Dovecot instance; ``append`` and ``folder`` talk IMAP to it like any client."""

    def __init__(
        self, root: Path, username: str = "registratur", password: str = "imap-pw-1"
    ) -> None:
        self.root = Path(root)
        self.username = username
        self.password = password
        self.host = "127.0.0.1"
        self.port = 0
        self.proc: subprocess.Popen | None = None
        # The mail store: the mail processes run as Dovecot's user under root, and pytest's
        # temporary folders are closed to other users, so root's store lives in /tmp itself.
        if os.getuid() == 0:
            self.home = Path(tempfile.mkdtemp(prefix="kontakt-dovecot-"))
        else:
            self.home = self.root / "home"

    # -- lifecycle -------------------------------------------------------------------------
    def _config(self) -> Path:
        uid, gid = os.getuid(), os.getgid()
        me = pwd.getpwuid(uid).pw_name
        group = grp.getgrgid(gid).gr_name
        if uid == 0:  # Dovecot refuses root for logins and for mail: Debian's own users
            login_user, internal_user = "dovenull", "dovecot"
            uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
        else:
            login_user = internal_user = me
        for sub in ("run", "state"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        os.chown(self.home, uid, gid)
        os.chmod(self.home, 0o700)
        os.chmod(self.root / "run", 0o755)
        passwd = self.root / "passwd"
        passwd.write_text(f"{self.username}:{{PLAIN}}{self.password}::::::\n")
        conf = self.root / "dovecot.conf"
        conf.write_text(
            f"""
protocols = imap
listen = {self.host}
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = kontakt-test-{self.port}
log_path = {self.root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {group if me != "root" else "dovecot"}
first_valid_uid = 1
mail_location = maildir:{self.home}/%u/Maildir
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.home}/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {me}
}}
service auth-worker {{
  user = {me}
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {me}
  }}
  unix_listener stats-writer {{
    user = {me}
  }}
}}
"""
        )
        return conf

    def start(self, wait: float = 20) -> DovecotServer:
        """Start (or restart, on the same port and mail store) and wait until IMAP answers."""
        if not self.port:
            self.port = free_port()
        conf = self._config()
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "dovecot.stderr").open("ab"),
            start_new_session=True,  # its own process group: stop() ends every process of it
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited:\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(200).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not start in {wait}s:\n{self.log()}")

    def stop(self) -> None:
        """Stop the server and every session process (open connections break, as when a
        server goes down); the mail store stays for a restart."""
        if self.proc is not None:
            group = self.proc.pid
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        self.proc = None
        # wait until the port is really closed (child processes gone)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                time.sleep(0.1)
            except OSError:
                return

    def __enter__(self) -> DovecotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self.home != self.root / "home":
            shutil.rmtree(self.home, ignore_errors=True)

    def log(self) -> str:
        parts = []
        for name in ("dovecot.log", "dovecot.stderr"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    # -- an IMAP client's view -------------------------------------------------------------
    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.username, self.password)
        return conn

    def append(self, folder: str, message: bytes) -> None:
        """Deliver ``message`` into ``folder`` (created when missing), as a mail server does."""
        conn = self.connect()
        try:
            conn.create(folder)  # "already exists" is a NO answer, not an error here
            typ, data = conn.append(folder, "", imaplib.Time2Internaldate(time.time()), message)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data}")
        finally:
            conn.logout()

    def message_ids(self, folder: str) -> list[str]:
        """The Message-ID headers of the messages in ``folder`` (empty when it is missing)."""
        conn = self.connect()
        try:
            typ, _ = conn.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            typ, data = conn.uid("SEARCH", "ALL")
            uids = data[0].split() if data and data[0] else []
            found = []
            for uid in uids:
                typ, parts = conn.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                for part in parts:
                    if isinstance(part, tuple):
                        header = part[1].decode(errors="replace").strip()
                        found.append(header.partition(":")[2].strip())
            return found
        finally:
            conn.logout()
