"""The webhook channel: other systems (a web shop, a chat widget, a CRM) post complaints here.

In: `POST /webhook/{source}` with `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`
under the source's secret; optionally with `X-Signature-Timestamp: <Unix seconds>`, and then the
HMAC is of `<timestamp>.<body>` and the timestamp must be within 5 minutes of the server's clock,
so a captured request cannot be replayed later. The acknowledgement comes back in the response
(202 for a new message, 200 for a repeated `id`; 409 when the `id` came before with another
customer or another text). Out: when the source has a `callback_url`,
every message to the customer is POSTed there, signed the same way, through the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import ssl
import weakref
from collections.abc import Mapping

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from channels.base import Attachment, Inbound, OnInbound, Outbound, Sender
from channels.webhook.body import OPENAPI, RESPONSES, Acknowledged, ComplaintIn
from channels.webhook.settings import WebhookSource
from complaints.clock import Clock
from complaints.errors import (
    ComplaintNotYours,
    InvalidMessage,
    PermanentDeliveryError,
    ReusedKey,
    StoreUnavailable,
    TemporaryDeliveryError,
    UnknownComplaint,
)
from complaints.problems import problems

log = logging.getLogger(__name__)

NAME = "webhook"
TIMESTAMP_TOLERANCE_SECONDS = 300
"""How far a signed X-Signature-Timestamp may be from the server's clock, either way."""
SIGNATURE_FORM = "sha256=<hex HMAC-SHA256 of the body under the source's secret>"
"""What X-Signature holds, as a refusal names it."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


_tls: tuple[tuple[object, ...], ssl.SSLContext] | None = None


def shared_tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CA bundle, or the one SSL_CERT_FILE or
    SSL_CERT_DIR names), made once per process: loading the bundle cost 50-60 ms of every start
    (and the test run starts hundreds). The callback clients of every start share it, as one
    start's clients did already: a client only reads it (httpcore sets the same ALPN list,
    HTTP/1.1, on each connection). Other variables, or a changed SSL_CERT_FILE, make a new one;
    certifi's own bundle changes only with an upgrade, which restarts the process."""
    global _tls
    named = os.environ.get("SSL_CERT_FILE", "")
    key: tuple[object, ...] = (named, os.environ.get("SSL_CERT_DIR", ""), _file_key(named))
    if _tls is None or _tls[0] != key:
        _tls = (key, httpx.create_ssl_context())
    return _tls[1]


def _file_key(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns) if stat else None


class WebhookChannel:
    name = NAME
    answers_in_response = True

    def __init__(
        self,
        sources: Mapping[str, WebhookSource],
        on_inbound: OnInbound,
        clock: Clock,
        max_body_bytes: int,
        max_attachments: int,
        send_timeout: float = 10.0,
    ) -> None:
        self.sources = sources
        self.on_inbound = on_inbound
        self.clock = clock
        self.max_body_bytes = max_body_bytes
        self.max_attachments = max_attachments
        # One client, so one connection pool, per source: the dispatcher has a batch of up to
        # 32 callbacks in flight per source, and a shared pool (httpx's 100 connections) is
        # taken whole by four sources whose targets never answer, so a healthy source's
        # callbacks would wait for a connection behind theirs. Apart, a source can only hold
        # up itself, as its lane already does. The TLS context (the CA bundle, 60 ms to load)
        # is shared (`shared_tls_context`). The client waits as long as the dispatcher bounds
        # each attempt ([outbox] send_timeout), so a slow callback is judged by that one
        # setting, not a second one.
        self.clients = {
            name: httpx.AsyncClient(timeout=send_timeout, verify=shared_tls_context())
            for name, source in sources.items()
            if source.callback_url
        }

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    def can_send(self, address: str) -> bool:
        source = self.sources.get(address.split(":", 1)[0])
        return bool(source and source.callback_url)

    async def send(self, address: str, outbound: Outbound) -> str:
        source_name, customer_id = address.split(":", 1)
        source = self.sources.get(source_name)
        if source is None or not source.callback_url:
            raise PermanentDeliveryError(f"webhook source {source_name!r} has no callback_url")
        body = json.dumps(
            {
                "message_id": outbound.message_id,
                "complaint": outbound.complaint_number,
                "kind": outbound.kind,
                "customer": {"id": customer_id},
                "language": outbound.language,
                "subject": outbound.subject,
                "text": outbound.text,
            },
            ensure_ascii=False,
        ).encode()
        try:
            response = await self.clients[source_name].post(
                source.callback_url,
                content=body,
                headers=self._callback_headers(source.secret, body, outbound.message_id),
            )
        except httpx.HTTPError as error:
            raise TemporaryDeliveryError(f"callback unreachable: {type(error).__name__}") from None
        if response.is_success:
            return outbound.message_id
        reason = f"callback answered {response.status_code}"
        if response.status_code in (408, 425, 429) or response.status_code >= 500:
            raise TemporaryDeliveryError(reason)
        raise PermanentDeliveryError(reason)

    def _callback_headers(self, secret: str, body: bytes, message_id: str) -> dict[str, str]:
        """Signed as a sender may sign its requests, with the time: the HMAC is of
        `<timestamp>.<body>`, so the receiver can refuse a callback replayed later."""
        stamp = str(int(self.clock.now().timestamp()))
        return {
            "Content-Type": "application/json",
            "X-Signature-Timestamp": stamp,
            "X-Signature": sign(secret, stamp.encode() + b"." + body),
            "Idempotency-Key": message_id,
        }

    def routes(self) -> APIRouter:
        # The route holds the channel weakly (the app's services hold it while it serves):
        # FastAPI keeps every endpoint it has seen in module-level caches of 4,096 entries,
        # and this bound method there kept the whole bot alive after it stopped.
        channel = weakref.ref(self)

        async def receive(source: str, request: Request) -> JSONResponse:
            alive = channel()
            assert alive is not None  # the app that routes here holds it
            return await alive.receive(source, request)

        receive.__doc__ = WebhookChannel.receive.__doc__  # the operation's description
        router = APIRouter()
        router.add_api_route(
            "/webhook/{source}",
            receive,
            methods=["POST"],
            status_code=202,
            summary="Receive a complaint or a follow-up from an integrated system",
            response_model=Acknowledged,
            response_description="A new complaint, or a follow-up added to one",
            responses=RESPONSES,
            openapi_extra=OPENAPI,
        )
        return router

    async def receive(self, source: str, request: Request) -> JSONResponse:
        """Check the signature, validate, hand over; 202 (or 200 for a repeat) only after
        intake committed, a 4xx with the reason for bad input, 503 when the store is down."""
        configured = self.sources.get(source)
        if configured is None:
            return _error(
                404,
                f"unknown webhook source {source!r}; configure "
                f"[webhook.sources.{source}] in settings.toml",
            )
        if refused := _not_json(request.headers.get("content-type")):
            return _error(415, refused)
        body = await self._signed_body(configured, request)
        if isinstance(body, JSONResponse):
            return body
        try:
            context = {"max_attachments": self.max_attachments, "today": self.clock.now().date()}
            # a UTF-8 byte order mark (PowerShell, .NET) is signed with the body, then ignored,
            # as RFC 8259 allows: JSON itself cannot start with one
            payload = ComplaintIn.model_validate_json(
                body.removeprefix(b"\xef\xbb\xbf"), context=context
            )
        except ValidationError as error:
            return _invalid(error)
        attachments = tuple(item.attachment() for item in payload.attachments)
        return await self._hand_over(self._inbound(source, payload, attachments))

    async def _signed_body(self, source: WebhookSource, request: Request) -> bytes | JSONResponse:
        """The body when it is within the limit and signed under the source's secret."""
        body = await self._read_limited(request)
        if body is None:
            return _error(413, f"body larger than {self.max_body_bytes} bytes")
        signature = request.headers.get("x-signature", "")
        if not signature:
            return _error(401, f"missing X-Signature header: {SIGNATURE_FORM}")
        scheme, prefixed, digest = signature.strip().partition("=")
        if not prefixed:  # bare hex: say what is missing rather than "does not match"
            return _error(
                401, f"X-Signature must be {SIGNATURE_FORM}: the sha256= prefix is missing"
            )
        if scheme.lower() != "sha256":
            return _error(401, f"X-Signature must be {SIGNATURE_FORM}: only sha256 is accepted")
        stamp = request.headers.get("x-signature-timestamp")
        if stamp is not None and not (stamp.isascii() and stamp.isdigit()):
            return _error(
                401, "X-Signature-Timestamp must be the Unix time in seconds, e.g. 1767225600"
            )
        signed_bytes = body if stamp is None else f"{stamp}.".encode() + body
        # Hex digits in either case (.NET's Convert.ToHexString writes upper case); the
        # comparison itself takes constant time.
        given = f"sha256={digest.lower()}".encode()
        if not hmac.compare_digest(given, sign(source.secret, signed_bytes).encode()):
            if stamp is None:
                return _error(401, "X-Signature does not match the body")
            # the usual mistake with a timestamp: signing the body alone, as without one
            return _error(
                401,
                "X-Signature does not match the body with this X-Signature-Timestamp: sign "
                "<X-Signature-Timestamp>.<body> (the timestamp, a full stop, the body as sent)",
            )
        if stamp is not None and (refused := self._stale(stamp)):
            return _error(401, refused)
        return body

    def _stale(self, stamp: str) -> str:
        """Why a signed X-Signature-Timestamp is refused (further than the tolerance from our
        clock: a replayed request, or a wrong clock), or "" when it is within the window.
        In whole seconds and only for a plausible length: a float of four hundred 9s
        overflows, and Python refuses to read an int of over 4,300 digits."""
        now = int(self.clock.now().timestamp())
        if len(stamp) > len(str(now)) + 1 or abs(int(stamp) - now) > TIMESTAMP_TOLERANCE_SECONDS:
            return (
                f"X-Signature-Timestamp is more than {TIMESTAMP_TOLERANCE_SECONDS} seconds "
                "from the server's time: a replayed request, or the sender's clock is off"
            )
        return ""

    def _inbound(
        self, source: str, payload: ComplaintIn, attachments: tuple[Attachment, ...]
    ) -> Inbound:
        return Inbound(
            channel=NAME,
            external_id=f"{source}:{payload.id}",
            sender=Sender(
                NAME,
                f"{source}:{payload.customer.id}",
                payload.customer.name,
                payload.customer.email,
                payload.customer.phone,
                payload.customer.tier,
            ),
            text=payload.text,
            received_at=self.clock.now(),
            subject=payload.subject,
            language_hint=payload.language,
            attachments=attachments,
            complaint_number=payload.complaint,
            source=source,
            details=payload.details.as_fields(),
        )

    async def _hand_over(self, inbound: Inbound) -> JSONResponse:
        """Intake's outcome as the response: the acknowledgement comes back at once."""
        try:
            result = await self.on_inbound(inbound)
        except (ComplaintNotYours, ReusedKey) as error:
            return _error(409, str(error))
        except (UnknownComplaint, InvalidMessage) as error:
            return _error(422, str(error))
        except StoreUnavailable:
            return _error(
                503,
                "the complaint store is unavailable; nothing was stored, retry later",
                headers={"Retry-After": "30"},
            )
        return JSONResponse(
            status_code=200 if result.duplicate else 202,
            content={
                "complaint": result.complaint,
                "status": result.status,
                "grade": result.grade,
                "category": result.category,
                "department": result.department,
                "language": result.language,
                "acknowledgement": result.acknowledgement,
            },
        )

    async def _read_limited(self, request: Request) -> bytes | None:
        """The body, or None once it exceeds the limit (without reading the rest into memory)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
        return b"".join(chunks)


def _not_json(content_type: str | None) -> str:
    """Why a body declared as something other than UTF-8 JSON is refused (415), or "".

    curl's --data-binary without -H declares a form, and a Latin-1 charset would be read as
    UTF-8 all the same: both are mistakes the sender should hear of rather than a 202 or a
    puzzling 422 about the JSON. No Content-Type at all is taken as JSON."""
    if content_type is None:
        return ""
    media, _, parameters = content_type.partition(";")
    media = media.strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        return f"send Content-Type: application/json (the body is JSON), not {media or 'empty'!r}"
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            return (
                f"send Content-Type: application/json with the body in UTF-8 (JSON is UTF-8), "
                f"not charset {charset!r}"
            )
    return ""


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


def _invalid(error: ValidationError) -> JSONResponse:
    """422 naming each field that is wrong and why, in the API's form (`complaints.problems`)."""
    found = problems(error.errors(include_url=False), where="body")
    return JSONResponse(status_code=422, content={"detail": found})
