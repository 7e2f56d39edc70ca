"""An IMAP mailbox poller: hands every unseen message to the bot, then marks it handled.

The mailbox is the sender here, so a message counts as taken only once the bot has it: it is
fetched with `BODY.PEEK[]` (a plain `RFC822` fetch would set `\\Seen` at once) and flagged
`\\Seen` (or moved to `processed_folder`) only after `on_message` returned. A message whose
handler raised stays unseen and comes back on the next pass. A crash between the handler and
the flag delivers the message again; the bot dedupes on its Message-ID, so that is harmless.

IMAPClient is blocking. Every call on the connection runs in one dedicated worker thread, so
the event loop never waits on the network and the connection is only ever used by one thread.

Between passes the poller IDLEs when the server offers it (re-issued well within the
29-minute limit, checked in one-second slices so `stop()` is prompt), otherwise it sleeps
`poll_seconds`. When the server goes away or refuses, it logs a warning and reconnects with
exponential backoff (1 s, doubling up to `backoff_max`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import imaplib
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from imapclient import DELETED, SEEN, IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from channels.email.settings import ImapSettings

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

IDLE_RENEW = 25 * 60.0
"""Seconds before an IDLE is ended and re-issued: servers may drop a client idle 30 minutes."""
IDLE_SLICE = 1.0
"""Longest single wait for IDLE news: how long `stop()` or `poll_once()` may have to wait."""
BACKOFF_START = 1.0
STOP_GRACE = 5.0
"""Seconds `stop()` lets the current step (a handler, a command) finish before cancelling."""
SUSPECT_EMPTY_CHECKS = 3
"""Early, empty IDLE checks in a row that mean the server closed the connection: IMAPClient's
`idle_check` returns an empty list at once on end-of-file instead of raising."""


class ConnectionLost(ConnectionError):
    """The server ended the session (BYE, end of file) or there is no connection."""


class MissingFolder(Exception):
    """The folder to watch, or `processed_folder`, does not exist on the server.

    Checked at connect, before any message is handed over: a MOVE into a missing folder would
    fail only after the bot had taken the message, again on every pass. The poller keeps
    retrying with backoff, so creating the folder is enough to recover."""


CONNECTION_ERRORS = (OSError, imaplib.IMAP4.error, IMAPClientError, MissingFolder)
"""What a dropped, refused or confused connection raises (socket errors, timeouts, TLS errors,
IMAP protocol errors, failed login, a missing folder); the poller reconnects after these."""


def _has_news(responses: Sequence[Any]) -> bool:
    """Whether IDLE responses announce mail: `(n, b'EXISTS')` or `(n, b'RECENT')` with n > 0."""
    return any(
        len(response) >= 2
        and response[1] in (b"EXISTS", b"RECENT")
        and (response[1] == b"EXISTS" or response[0])
        for response in responses
    )


def _says_bye(responses: Sequence[Any]) -> bool:
    return any(response and response[0] == b"BYE" for response in responses)


class ImapPoller:
    """Polls one IMAP folder and hands each unseen message, raw, to `on_message`."""

    def __init__(
        self,
        settings: ImapSettings,
        on_message: Callable[[bytes], Awaitable[None]],
        *,
        backoff_max: float = 300.0,
        timeout: float = 30.0,
    ) -> None:
        """`timeout` bounds each network operation, so a server that stops answering is
        noticed (and reconnected to) rather than waited on forever."""
        self.settings = settings
        self._on_message = on_message
        self._backoff_max = backoff_max
        self._timeout = timeout
        self._backoff = min(BACKOFF_START, backoff_max)
        self.connected = asyncio.Event()
        """Set while logged in with the folder selected."""
        self.disconnected = asyncio.Event()
        """The opposite of `connected`, so a caller can await a drop."""
        self.disconnected.set()
        self.idling = asyncio.Event()
        """Set while the connection IDLEs: from then on the server pushes news of new mail
        (tests await it before they deliver mail that only IDLE can bring)."""
        self._client: IMAPClient | None = None
        self._can_idle = False
        self._executor: ThreadPoolExecutor | None = None
        self._lock = asyncio.Lock()
        """One command sequence on the connection at a time (the loop's or `poll_once()`'s)."""
        self._poll_requests = 0
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def _where(self) -> str:
        """The server, for log lines: not the login, which is often a person's address."""
        return f"{self.settings.host}:{self.settings.port}"

    # ---- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the background loop: connect, pass over the folder, wait for mail, repeat."""
        if self._task is not None and not self._task.done():
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=f"imap-poller {self._where}")

    async def stop(self) -> None:
        """Stop the loop and close the connection.

        The loop notices within one IDLE slice (sleeps and backoff waits end at once); a step
        still running after `STOP_GRACE` (a slow handler, a hung command) is cancelled. A
        cancelled handler leaves its message unseen, to be delivered again later."""
        self._stopping.set()
        task, self._task = self._task, None
        cancelled = False
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=STOP_GRACE)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                cancelled = True
        client, self._client = self._client, None
        self._mark_disconnected()
        executor, self._executor = self._executor, None
        if executor is None:
            return
        closing = executor.submit(_close, client) if client is not None else None
        executor.shutdown(wait=False)
        if closing is not None and not cancelled:
            # After a cancel the thread may still be stuck in the cancelled command; the close
            # is queued behind it and happens without us waiting.
            await asyncio.wrap_future(closing)

    async def poll_once(self) -> int:
        """One pass over the folder; returns how many messages were handed over.

        Connects first when needed; connection errors propagate to the caller (and drop the
        connection, so the next call starts afresh). While the background loop IDLEs, this
        asks it to step aside and waits at most one IDLE slice for the connection."""
        self._poll_requests += 1
        try:
            async with self._lock:
                try:
                    if self._client is None:
                        await self._connect()
                    return await self._pass()
                except CONNECTION_ERRORS:
                    await self._disconnect()
                    raise
        finally:
            self._poll_requests -= 1

    # ---- the loop -----------------------------------------------------------------------

    async def _run(self) -> None:
        """Serve until stopped; after every failure wait, then reconnect."""
        while not self._stopping.is_set():
            try:
                await self._serve()
            except CONNECTION_ERRORS as exc:
                log.warning(
                    "IMAP %s: %s; reconnecting in %.1f s",
                    self._where,
                    _describe(exc),
                    self._backoff,
                )
            except Exception:
                log.exception("IMAP %s: unexpected error; reconnecting", self._where)
            await self._disconnect()
            if await self._pause(self._backoff):
                break
            self._backoff = min(self._backoff * 2, self._backoff_max)

    async def _serve(self) -> None:
        """One connection's life: pass over the folder, wait for news, pass again."""
        async with self._lock:
            if self._client is None:
                await self._connect()
        self._backoff = min(BACKOFF_START, self._backoff_max)
        while not self._stopping.is_set():
            async with self._lock:
                await self._pass()
            await self._wait_for_mail()

    async def _wait_for_mail(self) -> None:
        """IDLE when the server can, else sleep `poll_seconds`.

        IDLE is renewed with a fresh pass every `poll_seconds` too: servers (Dovecot among
        them) do not report mail that arrived between the last command and the IDLE, so the
        pass bounds how long such mail waits; a failed message is retried by the same pass."""
        if not self._can_idle:
            await self._pause(self.settings.poll_seconds)
            return
        renew_after = min(self.settings.poll_seconds, IDLE_RENEW)
        async with self._lock:
            await self._idle(self._require_client(), renew_after)

    async def _idle(self, client: IMAPClient, renew_after: float) -> None:
        """IDLE until news, `renew_after` seconds, `stop()` or a waiting `poll_once()`."""
        await self._call(client.idle)
        self.idling.set()
        try:
            await self._idle_checks(client, renew_after)
        finally:
            self.idling.clear()
        await self._call(client.idle_done)

    async def _idle_checks(self, client: IMAPClient, renew_after: float) -> None:
        """Wait for IDLE news in short slices, watching for a closed connection."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + renew_after
        suspect = 0
        while not self._stopping.is_set() and not self._poll_requests:
            slice_ = min(IDLE_SLICE, deadline - loop.time())
            if slice_ <= 0:
                break
            started = loop.time()
            responses = await self._call(client.idle_check, slice_)
            if _says_bye(responses):
                raise ConnectionLost("the server said BYE")
            if _has_news(responses):
                break
            early = not responses and loop.time() - started < slice_ / 2
            suspect = suspect + 1 if early else 0
            if suspect >= SUSPECT_EMPTY_CHECKS:
                raise ConnectionLost("the server closed the connection")

    async def _pause(self, seconds: float) -> bool:
        """Sleep, ending early on `stop()`; returns whether the poller is stopping."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        return self._stopping.is_set()

    # ---- one pass -----------------------------------------------------------------------

    async def _pass(self) -> int:
        """Hand over every unseen message, one at a time so only one is ever in memory.

        Searches again until a search finds nothing it has not tried: mail arriving during
        the pass is announced in the answers to our own FETCH and STORE commands, where
        IMAPClient drops it, and a later IDLE would not announce it again. A message whose
        handler failed is not retried within the same pass."""
        client = self._require_client()
        tried: set[int] = set()
        handed = 0
        while not self._stopping.is_set():
            uids = set(await self._call(client.search, ["UNSEEN"])) - tried
            if not uids:
                break
            for uid in sorted(uids):
                if self._stopping.is_set():
                    break
                tried.add(uid)
                if await self._hand_over(client, uid):
                    handed += 1
        return handed

    async def _hand_over(self, client: IMAPClient, uid: int) -> bool:
        raw = await self._fetch(client, uid)
        if raw is None:  # expunged by someone else since the search
            return False
        try:
            await self._on_message(raw)
        except Exception as exc:
            # The exception's text may quote the message, so only its type goes in the log.
            log.warning(
                "IMAP %s: handling message uid %s failed (%s); it stays unseen for a retry",
                self._where,
                uid,
                type(exc).__name__,
            )
            return False
        await self._mark_handled(client, uid)
        return True

    async def _fetch(self, client: IMAPClient, uid: int) -> bytes | None:
        fetched = await self._call(client.fetch, [uid], ["BODY.PEEK[]"])
        data = fetched.get(uid)
        if data is None or b"BODY[]" not in data:
            return None
        return bytes(data[b"BODY[]"])

    async def _mark_handled(self, client: IMAPClient, uid: int) -> None:
        """Flag the message `\\Seen`, or move it to `processed_folder`. Without MOVE that is
        COPY, `\\Deleted` and EXPUNGE (of this message alone when the server has UIDPLUS)."""
        target = self.settings.processed_folder
        if not target:
            await self._call(client.add_flags, [uid], [SEEN], silent=True)
        elif await self._call(client.has_capability, "MOVE"):
            await self._call(client.move, [uid], target)
        else:
            await self._call(client.copy, [uid], target)
            await self._call(client.add_flags, [uid], [DELETED], silent=True)
            if await self._call(client.has_capability, "UIDPLUS"):
                await self._call(client.uid_expunge, [uid])
            else:
                await self._call(client.expunge)

    # ---- the connection -----------------------------------------------------------------

    async def _connect(self) -> None:
        self._client, self._can_idle = await self._call(self._open)
        self.disconnected.clear()
        self.connected.set()
        log.info("IMAP %s: connected, watching %s", self._where, self.settings.folder)

    def _open(self) -> tuple[IMAPClient, bool]:
        """Connect, log in and select the folder (in the worker thread); returns the client and
        whether it can IDLE. On any failure the socket is closed before the error propagates."""
        settings = self.settings
        client = IMAPClient(settings.host, settings.port, ssl=settings.ssl, timeout=self._timeout)
        try:
            client.login(settings.username, settings.password)
            for folder in filter(None, (settings.folder, settings.processed_folder)):
                if not client.folder_exists(folder):
                    raise MissingFolder(f"folder {folder!r} does not exist")
            client.select_folder(settings.folder)
            can_idle = bool(client.has_capability("IDLE"))
        except BaseException:
            _close(client)
            raise
        return client, can_idle

    async def _disconnect(self) -> None:
        """Forget the connection and close it (logging out politely if the server listens)."""
        client, self._client = self._client, None
        self._mark_disconnected()
        if client is not None:
            await self._call(_close, client)

    def _mark_disconnected(self) -> None:
        if self.connected.is_set():
            log.info("IMAP %s: disconnected", self._where)
        self.connected.clear()
        self.disconnected.set()

    def _require_client(self) -> IMAPClient:
        if self._client is None:
            raise ConnectionLost("not connected")
        return self._client

    async def _call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking IMAPClient call in the poller's own thread."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="imap-poller")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(function, *args, **kwargs)
        )


def _describe(exc: BaseException) -> str:
    """The error's type, with its text only where that cannot quote mail: socket errors and
    login refusals. A protocol error may echo a line of the server's answer, i.e. a message."""
    if isinstance(exc, OSError | LoginError | MissingFolder):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__


def _close(client: IMAPClient) -> None:
    """Log out, or at least close the socket; the server may already be gone."""
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):
            client.shutdown()
