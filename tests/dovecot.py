"""A real Dovecot IMAP server for tests: Debian's package, run as a plain foreground process.

Mail channels are tested against a real peer on loopback (design.md), and an IMAP server is
the peer whose behaviour matters most: flags, IDLE pushes, MOVE, dropped connections. Each
server gets its own folder with its own `base_dir`, `instance_name`, port and mail store, so it
never meets a system Dovecot (Debian's package may start one on port 143) or another test.

The folder lives under the system temp directory rather than pytest's `tmp_path` for two
reasons: Dovecot's processes run as the `dovecot` user and must traverse the path to the mail
store, which pytest creates private to its owner; and Unix sockets in `base_dir` are limited
to 108 bytes, which a long test name would exceed.
"""

from __future__ import annotations

import contextlib
import email
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

from tests.system_packages import (
    PackageUnavailable,
    ensure_program,
    find_program,
    run,
    skip_or_fail,
)

USERNAME = "complaints@example.com"
PASSWORD = "dovecot-test-password"
START_TIMEOUT = 10.0
"""Seconds to wait for a started Dovecot to accept connections (it takes about 0.1 s)."""

# The pitfalls.md config, plus: no delay after a failed login and no growing penalty for
# repeated ones (mode 0 on anvil's penalty socket turns it off), so a test of a refused login
# takes half a second per attempt instead of up to fifteen.
CONFIG = """\
base_dir = {run}
state_dir = {state}
instance_name = {instance}
protocols = imap
listen = 127.0.0.1
log_path = {log}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 100
auth_failure_delay = 0
{user_settings}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
{chroot}}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
{chroot}}}
{extra}
"""

NON_ROOT_SETTINGS = """\
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
"""
"""Without root, Dovecot cannot switch to its own users: every process runs as the caller."""


class DovecotUnavailable(PackageUnavailable):
    """Dovecot is not installed and could not be installed here."""


def dovecot_binary() -> str | None:
    return find_program("dovecot")


def _stop_system_instance(_dovecot: str) -> None:
    """Debian's post-install script may start the default instance on port 143; stop it.

    Harmless when none runs (the command then just fails)."""
    doveadm = find_program("doveadm")
    if doveadm:
        run([doveadm, "stop"], 30)


def ensure_dovecot() -> str:
    """The path of `dovecot`, installing Debian's `dovecot-imapd` first when it is missing.

    Raises `DovecotUnavailable` with the reason when that is impossible here."""
    try:
        return ensure_program("dovecot", "dovecot-imapd", "Dovecot", _stop_system_instance)
    except PackageUnavailable as exc:
        raise DovecotUnavailable(str(exc)) from exc


def _wait_or_kill(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait for `process` to end; after `timeout`, terminate it, and then kill it."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is in group `pgid`. The group's processes are
    orphans, and init may take a second to reap them, so `killpg(pgid, 0)` is not enough."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        state, _ppid, group = stat.rpartition(")")[2].split()[:3]
        if int(group) == pgid and state != "Z":
            return True
    return False


def _end_group(pgid: int, timeout: float = 5.0) -> None:
    """SIGTERM every process left in the group `pgid`, wait until none lives, else SIGKILL."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _group_alive(pgid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            return
        time.sleep(0.02)


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now (never 143: the kernel hands out high ones)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _message_id(header: bytes) -> str:
    return str(email.message_from_bytes(header).get("Message-ID", "")).strip()


@dataclass
class Dovecot:
    """One Dovecot instance in `directory`, listening on 127.0.0.1:`port`.

    `stop()` and `start()` again keep the port and the mail store, so a test can take the
    server away from a client and bring it back."""

    directory: Path
    port: int = field(default_factory=free_port)
    username: str = USERNAME
    password: str = PASSWORD
    extra_config: str = ""
    """Appended to dovecot.conf, e.g. `imap_capability = ...` to hide an extension."""
    process: subprocess.Popen[bytes] | None = None

    host = "127.0.0.1"

    @property
    def config_path(self) -> Path:
        return self.directory / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.directory / "dovecot.log"

    def write_config(self) -> None:
        """The config from pitfalls.md, everything under `directory`."""
        for name in ("run", "state", "mail"):
            (self.directory / name).mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o755)  # noqa: S103 - Dovecot's users must reach the store
        users = self.directory / "users"
        users.write_text(f"{self.username}:{{PLAIN}}{self.password}\n", encoding="utf-8")
        os.chmod(users, 0o644)
        root = os.geteuid() == 0
        if root:
            shutil.chown(self.directory / "mail", "dovecot", "dovecot")
            uid = gid = "dovecot"
            user_settings = chroot = ""
        else:
            user = pwd.getpwuid(os.geteuid()).pw_name
            group = grp.getgrgid(os.getegid()).gr_name
            uid, gid = str(os.geteuid()), str(os.getegid())
            user_settings = NON_ROOT_SETTINGS.format(user=user, group=group)
            chroot = "  chroot =\n"
        self.config_path.write_text(
            CONFIG.format(
                run=self.directory / "run",
                state=self.directory / "state",
                instance=f"test-imap-{self.port}",
                log=self.log_path,
                users=users,
                uid=uid,
                gid=gid,
                mail=self.directory / "mail",
                port=self.port,
                user_settings=user_settings,
                chroot=chroot,
                extra=self.extra_config,
            ),
            encoding="utf-8",
        )

    def start(self) -> None:
        """Start `dovecot -F` and return once its port accepts connections."""
        if self.process is not None:
            raise RuntimeError("this Dovecot is already running")
        if not self.config_path.exists():
            self.write_config()
        binary = dovecot_binary() or "dovecot"
        with open(self.directory / "dovecot.stderr", "ab") as stderr:
            self.process = subprocess.Popen(  # noqa: S603
                [binary, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,  # its own process group: see stop()
            )
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        """Poll the port: Dovecot is an external process with no readiness signal of its own."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"Dovecot exited at start:\n{self.diagnostics()}")
            if self._greets():
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"Dovecot did not greet on port {self.port} within "
                    f"{START_TIMEOUT:.0f} s:\n{self.diagnostics()}"
                )
            time.sleep(0.05)

    def _greets(self) -> bool:
        """Whether the server answers with its IMAP greeting. A bare TCP accept is not enough:
        a server stopped right after one took up to 6 s to stop, after a greeting about 1 s."""
        try:
            with socket.create_connection((self.host, self.port), timeout=2) as sock:
                return sock.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def stop(self) -> None:
        """`doveadm stop`, waiting for the master meanwhile; then end what it leaves behind.

        The master is our child: until we reap it, it stays a zombie that `doveadm stop`
        takes for a live process, and doveadm would wait out its 3-second limit. Reaping it
        while doveadm runs makes a stop take about one second.

        The master exits without its imap session processes, which keep serving their
        clients for another 10 seconds; a test that stops the server means them too. They are
        in the master's process group, so that group gets SIGTERM (an imap process then says
        `BYE Server shutting down.`) and, if it lingers, SIGKILL."""
        process, self.process = self.process, None
        if process is None:
            return
        doveadm = find_program("doveadm") or "doveadm"
        stopper = subprocess.Popen(  # noqa: S603
            [doveadm, "-c", str(self.config_path), "stop"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_or_kill(process, 10)
        finally:
            _wait_or_kill(stopper, 5)
            _end_group(process.pid)

    def kill(self) -> None:
        """End the server at once (SIGKILL to its process group): for a server whose folder
        is thrown away next. `stop()` is the orderly way, but Dovecot's master always sleeps a
        second while shutting down, and that second adds up over a test suite."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        _end_group(process.pid)

    @property
    def running(self) -> bool:
        return self.process is not None

    def diagnostics(self) -> str:
        """The tail of Dovecot's log and stderr, for failure messages."""
        lines: list[str] = []
        for path in (self.directory / "dovecot.stderr", self.log_path):
            if path.exists():
                lines += path.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        return "\n".join(lines)

    # ---- a client of its own, to arrange and inspect ----------------------------------------

    @contextlib.contextmanager
    def client(
        self, folder: str | None = "INBOX", *, readonly: bool = False
    ) -> Iterator[IMAPClient]:
        """A logged-in connection (folder selected unless None), logged out afterwards."""
        with IMAPClient(self.host, self.port, ssl=False, timeout=10) as imap:
            imap.login(self.username, self.password)
            if folder is not None:
                imap.select_folder(folder, readonly=readonly)
            yield imap

    def append(self, raw: bytes, flags: Iterable[bytes | str] = (), folder: str = "INBOX") -> None:
        with self.client(None) as imap:
            imap.append(folder, raw, flags=tuple(flags))

    def create_folder(self, folder: str) -> None:
        with self.client(None) as imap:
            imap.create_folder(folder)

    def flags_of_all(self, folder: str = "INBOX") -> dict[str, frozenset[str]]:
        """Each message's flags, keyed by its Message-ID, read without changing them."""
        with self.client(folder, readonly=True) as imap:
            uids = imap.search("ALL")
            fetched = (
                imap.fetch(uids, ["FLAGS", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
            )
        return {
            _message_id(data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"]): frozenset(
                flag.decode() if isinstance(flag, bytes) else str(flag) for flag in data[b"FLAGS"]
            )
            for data in fetched.values()
        }

    def messages_in(self, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in `folder`, oldest first, read without setting \\Seen."""
        with self.client(folder, readonly=True) as imap:
            uids = imap.search("ALL")
            fetched = imap.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [fetched[uid][b"BODY[]"] for uid in sorted(fetched)]


def require_dovecot() -> None:
    """Skip the test when Dovecot cannot be had here; under CI (`CI` set), fail it instead."""
    try:
        ensure_dovecot()
    except DovecotUnavailable as exc:
        skip_or_fail(f"no Dovecot for the IMAP tests: {exc}", "the IMAP tests")


def dovecot_server(extra_config: str = "") -> Iterator[Dovecot]:
    """The body of a fixture: a running Dovecot with one user and an empty INBOX.

    Use it as `yield from dovecot_server()` in a `@pytest.fixture`; afterwards the server is
    killed (its clients are gone by then, and its mail is not kept) and its folder removed."""
    require_dovecot()
    directory = Path(tempfile.mkdtemp(prefix="dovecot-"))
    server = Dovecot(directory, extra_config=extra_config)
    try:
        server.start()
        yield server
    finally:
        server.kill()
        shutil.rmtree(directory, ignore_errors=True)
