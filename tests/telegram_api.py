"""A small Telegram Bot API server for the tests, spoken to by python-telegram-bot itself.

Serve `FakeTelegram().app()` with `tests.conftest.serve` and point PTB at it::

    Bot(token, base_url=f"{served.url}/bot", base_file_url=f"{served.url}/file/bot")

PTB appends the token: methods are `/bot<token>/<method>`, files `/file/bot<token>/<file_path>`.

What PTB 22 sends: a form-urlencoded body (multipart when a file is uploaded) in which strings
go as they are and every other value as JSON (`chat_id=42`, `reply_markup={"inline_keyboard":..}`,
`disable_notification=true`). Telegram also accepts JSON bodies and query parameters; so does
this server. Answers are `{"ok": true, "result": ...}`, or `{"ok": false, "error_code": N,
"description": ..., "parameters": {...}}` with HTTP status N.

Behaviour copied from Telegram because a bot can trip over it: getUpdates with `offset` N forgets
every update below N; a second getUpdates ends the waiting one with 409; getUpdates answers 409
while a webhook is set; editMessageText without `reply_markup` removes the inline keyboard, and
an edit that changes nothing is a 400; HTML with an unsupported or unclosed tag is a 400; texts
over 4096 and captions over 1024 characters are a 400; answerCallbackQuery wants a query id this
server issued.

Long polls end when an update is pushed, when the client goes away (PTB's `Updater.stop()`
cancels its request) and when `close()` is called. Call `close()` before stopping uvicorn:
uvicorn waits for running requests before the lifespan shutdown, so that alone is too late.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive

__all__ = ["ApiError", "FakeTelegram", "Upload"]

# Parameters whose form value is a plain string even when it looks like JSON ("123", "true").
STRING_PARAMS = frozenset(
    "text caption parse_mode callback_query_id inline_message_id url secret_token ip_address "
    "file_id photo document voice audio video animation sticker thumbnail certificate action "
    "emoji language_code business_connection_id message_effect_id title description "
    "short_description name".split()
)
# Calls recorded in `sent` (when accepted).
RECORDED = frozenset(
    "sendMessage sendPhoto sendDocument sendChatAction editMessageText editMessageReplyMarkup "
    "deleteMessage answerCallbackQuery getFile".split()
)
HTML_TAGS = frozenset(
    "b strong i em u ins s strike del span tg-spoiler a tg-emoji code pre blockquote".split()
)
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request (PTB uploads bytes and file objects this way)."""

    filename: str
    content_type: str
    content: bytes


class ApiError(Exception):
    """An error answer: HTTP status, Telegram's description, optional `parameters`."""

    def __init__(
        self, status: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = dict(parameters or {})

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return JSONResponse(body, status_code=self.status)


@dataclass(frozen=True)
class _Failure:
    status: int
    description: str
    retry_after: int | None


@dataclass
class _File:
    file_id: str
    content: bytes
    file_path: str

    @property
    def unique_id(self) -> str:
        return f"u-{self.file_id}"


Handler = Callable[[dict[str, Any], Request], Awaitable[Any]]


class FakeTelegram:
    """The Bot API as a Starlette app, with the state tests look at and the failures they inject."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        username: str = "complaints_bot",
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Complaints",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        # updates
        self.offsets: list[int] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(10_000)
        self._allowed_updates: list[str] | None = None
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._closed = False
        self._polls: asyncio.Queue[int] = asyncio.Queue()
        # recorded calls
        self.sent: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self._sent_queues: defaultdict[str, asyncio.Queue[dict[str, Any]]] = defaultdict(
            asyncio.Queue
        )
        self._call_queues: defaultdict[str, asyncio.Queue[dict[str, Any]]] = defaultdict(
            asyncio.Queue
        )
        # failures
        self._failures: defaultdict[str, list[_Failure]] = defaultdict(list)
        self.blocked_chats: set[int] = set()
        # other state
        self.webhook: dict[str, Any] | None = None
        self.menus: dict[tuple[str, str], list[dict[str, Any]]] = {}
        """The "/" menus set with setMyCommands, by (scope type, language_code)."""
        self._files: dict[str, _File] = {}
        self._paths: dict[str, str] = {}
        self._file_names: dict[str, str] = {}  # file ids users sent, as in their messages
        self._file_numbers = itertools.count()
        self._chats: dict[int, dict[str, Any]] = {}
        self._last_message_ids: defaultdict[int, int] = defaultdict(int)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._query_ids = itertools.count(4_000_000_000_000_000_000)
        self._callback_queries: set[str] = set()
        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "sendChatAction": self._send_chat_action,
                "getFile": self._get_file,
                "answerCallbackQuery": self._answer_callback_query,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getMyCommands": self._get_my_commands,
                "close": self._true,
                "logOut": self._true,
            }.items()
        }

    # ---- the ASGI app ------------------------------------------------------------------------

    def app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            self._closed = False
            self._changed = asyncio.Event()
            try:
                yield
            finally:
                self.close()

        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
            ],
            lifespan=lifespan,
        )

    def close(self) -> None:
        """End every waiting long poll (with no updates) and answer later ones at once.
        Call it before stopping the server; serving the app again reopens it."""
        self._closed = True
        self._wake()

    async def _endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        found = self._handlers.get(request.path_params["method"].lower())
        if found is None:
            return ApiError(404, "Not Found: method not found").response()
        method, handler = found
        try:
            params = await _read_params(request)
        except ValueError as error:
            return ApiError(400, f"Bad Request: {error}").response()
        try:
            failures = self._failures.get(method)
            if failures:
                failure = failures.pop(0)
                extra = {"retry_after": failure.retry_after} if failure.retry_after else None
                raise ApiError(failure.status, failure.description, extra)
            result = await handler(params, request)
        except ApiError as error:
            self._record_call(method, error.status, params)
            return error.response()
        self._record_call(method, 200, params)
        if method in RECORDED:
            entry = {"method": method, **params, "result": result}
            self.sent.append(entry)
            self._sent_queues[method].put_nowait(entry)
        return JSONResponse({"ok": True, "result": result})

    def _record_call(self, method: str, status: int, params: dict[str, Any]) -> None:
        if method == "getUpdates":
            return
        call = {"method": method, "status": status, "params": params}
        self.calls.append(call)
        self._call_queues[method].put_nowait(call)

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        file_id = self._paths.get(request.path_params["file_path"])
        if file_id is None:
            return ApiError(404, "Not Found").response()
        return Response(self._files[file_id].content, media_type="application/octet-stream")

    # ---- what tests call ---------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue `update` for getUpdates (an `update_id` is assigned if missing); wakes polls."""
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        else:
            self._see_update_id(update["update_id"])
        self._updates.append(update)
        self._updates.sort(key=lambda queued: queued["update_id"])
        self._wake()
        return int(update["update_id"])

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    def message_update(
        self,
        *,
        chat_id: int,
        user_id: int,
        text: str = "",
        first_name: str = "Ana",
        language_code: str = "en",
        chat_type: str = "private",
        reply_to_message_id: int | None = None,
        photo_file_id: str | None = None,
        document: tuple[str, str] | None = None,
        voice_file_id: str | None = None,
        caption: str = "",
        message_id: int | None = None,
        chat_title: str = "",
    ) -> dict[str, Any]:
        """An Update with a message from a user, as Telegram sends it. `document` is
        `(file_id, file_name)`; media messages carry `caption`, not `text`. Not queued: pass it
        to `push_update` (or to `Update.de_json` for webhook mode)."""
        media = photo_file_id is not None or document is not None or voice_file_id is not None
        if media and text:
            raise ValueError("a media message has a caption, not a text")
        chat = self._chat(chat_id, chat_type, first_name, chat_title)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id, message_id),
            "from": _user(user_id, first_name, language_code),
            "chat": chat,
            "date": int(time.time()),
        }
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._bot_message(chat_id, reply_to_message_id)
        if text:
            message["text"] = text
            if entities := _command_entities(text):
                message["entities"] = entities
        if photo_file_id is not None:
            message["photo"] = self._photo_sizes(photo_file_id)
            self._file_names[photo_file_id] = "photo.jpg"
        if document is not None:
            file_id, file_name = document
            message["document"] = self._document(file_id, file_name)
            self._file_names[file_id] = file_name
        if voice_file_id is not None:
            self._file_names[voice_file_id] = "voice.oga"
            message["voice"] = {
                "file_id": voice_file_id,
                "file_unique_id": f"u-{voice_file_id}",
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": self._size(voice_file_id, 6_000),
            }
        if caption:
            message["caption"] = caption
            if entities := _command_entities(caption):
                message["caption_entities"] = entities
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(
        self,
        *,
        chat_id: int,
        user_id: int,
        data: str,
        message_id: int,
        first_name: str = "Ana",
        language_code: str = "en",
    ) -> dict[str, Any]:
        """An Update with a callback query: the user pressed an inline button with `data` under
        the bot's message `message_id` (the message sent with that id, if this server knows it)."""
        query_id = str(next(self._query_ids))
        self._callback_queries.add(query_id)
        self._chat(chat_id, "private" if chat_id > 0 else "group", first_name, "")
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": query_id,
                "from": _user(user_id, first_name, language_code),
                "message": self._bot_message(chat_id, message_id),
                "chat_instance": str(-abs(chat_id) - 7_000_000_000),
                "data": data,
            },
        }

    def add_file(self, file_id: str, content: bytes, file_path: str = "") -> None:
        """Make `file_id` known to getFile, and its content downloadable."""
        path = file_path or f"files/file_{next(self._file_numbers)}"
        self._files[file_id] = _File(file_id, content, path)
        self._paths[path] = file_id

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with this error (429 wants `retry_after`)."""
        self._failures[method].extend([_Failure(status, description, retry_after)] * times)

    async def next_sent(self, method: str = "sendMessage", within: float = 10) -> dict[str, Any]:
        """The next accepted call of `method` (`{"method", **params, "result"}`), waiting for it."""
        try:
            async with asyncio.timeout(within):
                return await self._sent_queues[method].get()
        except TimeoutError:
            raise AssertionError(
                f"no {method} within {within} s; accepted so far: "
                f"{[entry['method'] for entry in self.sent]}"
            ) from None

    async def next_call(self, method: str, within: float = 10) -> dict[str, Any]:
        """The next call of `method`, accepted or failed: `{"method", "status", "params"}`."""
        try:
            async with asyncio.timeout(within):
                return await self._call_queues[method].get()
        except TimeoutError:
            raise AssertionError(
                f"no {method} call within {within} s; calls so far: "
                f"{[(call['method'], call['status']) for call in self.calls]}"
            ) from None

    async def next_poll(self, within: float = 10) -> int:
        """The offset of the earliest getUpdates call not yet returned here, waiting for one.
        When it returns, that poll is already waiting (if it had nothing to answer)."""
        try:
            async with asyncio.timeout(within):
                return await self._polls.get()
        except TimeoutError:
            raise AssertionError(
                f"no getUpdates within {within} s; offsets so far: {self.offsets}"
            ) from None

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """The texts of accepted sendMessage calls, to one chat or to all."""
        return [
            entry["text"]
            for entry in self.sent
            if entry["method"] == "sendMessage" and chat_id in (None, entry.get("chat_id"))
        ]

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in `chat_id` as Telegram holds them now (edits applied, deleted
        ones gone), oldest first."""
        return [
            message
            for (chat, _message_id), message in sorted(self._messages.items())
            if chat == chat_id
        ]

    # ---- updates -----------------------------------------------------------------------------

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _see_update_id(self, update_id: int) -> None:
        upcoming = next(self._update_ids)
        self._update_ids = itertools.count(max(upcoming, int(update_id) + 1))

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _ready(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        ready = [u for u in self._updates if allowed is None or _kind(u) in allowed]
        return ready[:limit]

    async def _get_updates(self, params: dict[str, Any], request: Request) -> list[Any]:
        self._check_no_webhook()
        offset = int(_number(params, "offset", 0))
        limit = min(max(int(_number(params, "limit", 100)), 1), 100)
        timeout = max(_number(params, "timeout", 0), 0.0)
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"] or []) or None
        self.offsets.append(offset)
        self._polls.put_nowait(offset)
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # a poll already waiting is superseded by this one
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        gone = asyncio.create_task(_client_gone(request.receive), name="telegram-poll-disconnect")
        try:
            while True:
                self._check_no_webhook()
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                ready = self._ready(limit)
                remaining = deadline - loop.time()
                if ready or self._closed or remaining <= 0:
                    return ready
                changed = asyncio.create_task(self._changed.wait(), name="telegram-poll-wait")
                await asyncio.wait(
                    {changed, gone}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                changed.cancel()
                if gone.done():
                    return []
        finally:
            gone.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await gone

    def _check_no_webhook(self) -> None:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )

    # ---- messages ----------------------------------------------------------------------------

    def _chat(self, chat_id: int, chat_type: str, first_name: str, title: str) -> dict[str, Any]:
        if chat_id in self._chats and not title:
            return self._chats[chat_id]
        if chat_type == "private":
            chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": title or "Complaints group"}
        self._chats[chat_id] = chat
        return chat

    def _known_chat(self, chat_id: Any) -> dict[str, Any]:
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return self._chat_for(chat_id)

    def _chat_for(self, chat_id: int) -> dict[str, Any]:
        return self._chats.get(chat_id) or {
            "id": chat_id,
            "type": "private" if chat_id > 0 else "group",
            **({"first_name": "User"} if chat_id > 0 else {"title": "Group"}),
        }

    def _next_message_id(self, chat_id: int, given: int | None = None) -> int:
        """Message ids count per chat, shared by the user's and the bot's messages."""
        last = self._last_message_ids[chat_id]
        message_id = last + 1 if given is None else given
        self._last_message_ids[chat_id] = max(last, message_id)
        return message_id

    def _bot_message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The bot's message `message_id` in `chat_id`: as sent, or a stand-in."""
        known = self._messages.get((chat_id, message_id))
        if known is not None:
            return known
        return {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self._chat_for(chat_id),
            "date": int(time.time()) - 60,
            "text": "Earlier message from the bot",
        }

    def _new_bot_message(self, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {
            "message_id": self._next_message_id(chat["id"]),
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            **{key: value for key, value in content.items() if value is not None},
        }
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _size(self, file_id: str, default: int) -> int:
        known = self._files.get(file_id)
        return len(known.content) if known is not None else default

    def _photo_sizes(self, file_id: str) -> list[dict[str, Any]]:
        sizes = [(f"{file_id}-s", 90, 67, 1_200), (f"{file_id}-m", 320, 240, 14_000)]
        largest = (file_id, 1280, 960, self._size(file_id, 120_000))
        return [
            {
                "file_id": size_id,
                "file_unique_id": f"u-{size_id}",
                "width": width,
                "height": height,
                "file_size": file_size,
            }
            for size_id, width, height, file_size in [*sizes, largest]
        ]

    def _document(self, file_id: str, file_name: str) -> dict[str, Any]:
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_name": file_name,
            "mime_type": mimetypes.guess_type(file_name)[0] or "application/octet-stream",
            "file_size": self._size(file_id, 40_000),
        }

    def _media(self, value: Any, kind: str) -> tuple[str, str]:
        """The file_id of a sent photo or document (stored if uploaded) and its file name."""
        if isinstance(value, Upload):
            file_id = f"{kind}-{next(self._file_numbers)}"
            self.add_file(file_id, value.content, f"{kind}s/{file_id}")
            return file_id, value.filename
        if not isinstance(value, str) or not value:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            return f"{kind}-{next(self._file_numbers)}", value.rsplit("/", 1)[-1] or "file"
        if value in self._files:
            return value, self._files[value].file_path.rsplit("/", 1)[-1]
        if value in self._file_names:
            return value, self._file_names[value]
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    @staticmethod
    def _inline_markup(params: Mapping[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            return markup
        return None

    # ---- methods -----------------------------------------------------------------------------

    async def _true(self, params: dict[str, Any], request: Request) -> bool:
        return True

    async def _get_me(self, params: dict[str, Any], request: Request) -> dict[str, Any]:
        return self.bot_user

    async def _send_message(self, params: dict[str, Any], request: Request) -> dict[str, Any]:
        chat = self._known_chat(params.get("chat_id"))
        text = _visible_text(params.get("text"), params.get("parse_mode"), MAX_TEXT, "text")
        return self._new_bot_message(chat, text=text, reply_markup=self._inline_markup(params))

    async def _send_photo(self, params: dict[str, Any], request: Request) -> dict[str, Any]:
        chat = self._known_chat(params.get("chat_id"))
        caption = _caption(params)
        file_id, _ = self._media(params.get("photo"), "photo")
        return self._new_bot_message(
            chat,
            photo=self._photo_sizes(file_id),
            caption=caption,
            reply_markup=self._inline_markup(params),
        )

    async def _send_document(self, params: dict[str, Any], request: Request) -> dict[str, Any]:
        chat = self._known_chat(params.get("chat_id"))
        caption = _caption(params)
        file_id, file_name = self._media(params.get("document"), "document")
        return self._new_bot_message(
            chat,
            document=self._document(file_id, file_name),
            caption=caption,
            reply_markup=self._inline_markup(params),
        )

    async def _send_chat_action(self, params: dict[str, Any], request: Request) -> bool:
        self._known_chat(params.get("chat_id"))
        return True

    async def _get_file(self, params: dict[str, Any], request: Request) -> dict[str, Any]:
        known = self._files.get(str(params.get("file_id", "")))
        if known is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(known.content) > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": known.file_id,
            "file_unique_id": known.unique_id,
            "file_size": len(known.content),
            "file_path": known.file_path,
        }

    async def _answer_callback_query(self, params: dict[str, Any], request: Request) -> bool:
        if params.get("callback_query_id") not in self._callback_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        return True

    def _message_to_edit(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        if params.get("inline_message_id"):
            return None
        chat = self._known_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = dict(self._bot_message(chat["id"], message_id))
        self._messages[(chat["id"], message_id)] = message
        return message

    async def _edit_message_text(self, params: dict[str, Any], request: Request) -> Any:
        text = _visible_text(params.get("text"), params.get("parse_mode"), MAX_TEXT, "text")
        message = self._message_to_edit(params)
        if message is None:
            return True
        markup = self._inline_markup(params)
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        message["text"] = text
        _set_markup(message, markup)
        return message

    async def _edit_message_reply_markup(self, params: dict[str, Any], request: Request) -> Any:
        message = self._message_to_edit(params)
        if message is None:
            return True
        markup = self._inline_markup(params)
        if message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        _set_markup(message, markup)
        return message

    async def _delete_message(self, params: dict[str, Any], request: Request) -> bool:
        chat = self._known_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        self._messages.pop((chat["id"], message_id), None)
        return True

    async def _set_webhook(self, params: dict[str, Any], request: Request) -> bool:
        if not params.get("url"):
            self.webhook = None
            return True
        self.webhook = dict(params)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._wake()  # a waiting getUpdates now conflicts
        return True

    async def _delete_webhook(self, params: dict[str, Any], request: Request) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any], request: Request) -> dict[str, Any]:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, params: dict[str, Any], request: Request) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, 'Bad Request: parameter "commands" is required')
        language = params.get("language_code") or ""
        if language and not (len(language) == 2 and language.isalpha()):
            raise ApiError(400, "Bad Request: wrong language code specified")
        self.menus[_menu(params)] = commands
        return True

    async def _delete_my_commands(self, params: dict[str, Any], request: Request) -> bool:
        self.menus.pop(_menu(params), None)
        return True

    async def _get_my_commands(self, params: dict[str, Any], request: Request) -> list[Any]:
        return self.menus.get(_menu(params), [])

    @property
    def commands(self) -> list[dict[str, Any]]:
        """The menu of the default scope for every language."""
        return self.menus.get(("default", ""), [])


# ---- helpers -----------------------------------------------------------------------------------


def _menu(params: Mapping[str, Any]) -> tuple[str, str]:
    """Which menu a *MyCommands call is about: its scope's type and its language_code."""
    scope = params.get("scope")
    kind = scope.get("type", "default") if isinstance(scope, dict) else "default"
    return str(kind), str(params.get("language_code") or "")


def _user(user_id: int, first_name: str, language_code: str) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def _number(params: Mapping[str, Any], name: str, default: float) -> float:
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f"Bad Request: wrong parameter {name!r}: {value!r}")
    return value


def _kind(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities as Telegram marks them (offsets and lengths in UTF-16 units)."""
    return [
        {
            "type": "bot_command",
            "offset": _utf16_len(text[: match.start()]),
            "length": _utf16_len(match.group()),
        }
        for match in COMMAND.finditer(text)
    ]


def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
    message["edit_date"] = int(time.time())
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _caption(params: Mapping[str, Any]) -> str | None:
    if not params.get("caption"):
        return None
    return _visible_text(params["caption"], params.get("parse_mode"), MAX_CAPTION, "caption")


def _visible_text(value: Any, parse_mode: Any, limit: int, field: str) -> str:
    """The text a user sees (HTML parsed as Telegram does), or the 400 Telegram answers."""
    text = "" if value is None else str(value)
    if isinstance(parse_mode, str) and parse_mode.lower() == "html":
        text = _TelegramHtml.visible(text)
    if field == "text" and not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if _utf16_len(text) > limit:
        what = "message is too long" if field == "text" else "message caption is too long"
        raise ApiError(400, f"Bad Request: {what}")
    return text


class _TelegramHtml(HTMLParser):
    """Telegram's HTML parse mode: only its tags, properly nested."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.stack: list[str] = []
        self.parts: list[str] = []

    @classmethod
    def visible(cls, source: str) -> str:
        parser = cls(source)
        parser.feed(source)
        parser.close()
        if parser.stack:
            parser.fail(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
        return "".join(parser.parts)

    def fail(self, reason: str) -> None:
        raise ApiError(400, f"Bad Request: can't parse entities: {reason}")

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        lines = self.source.split("\n")
        before = (
            "\n".join(lines[: line - 1]) + ("\n" if line > 1 else "") + lines[line - 1][:column]
        )
        return len(before.encode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            self.fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            expected = f'"</{self.stack[-1]}>"' if self.stack else "no end tag"
            self.fail(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected {expected}, found "</{tag}>"'
            )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


async def _client_gone(receive: Receive) -> None:
    """Return when the client disconnects (the request body has already been read)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _read_params(request: Request) -> dict[str, Any]:
    """Query, form-urlencoded, multipart or JSON parameters, with JSON values decoded."""
    raw: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if body and content_type.startswith("application/json"):
        try:
            decoded = json.loads(body)
        except json.JSONDecodeError as error:
            raise ValueError("can't parse JSON body") from error
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        return {**{key: _decode(key, value) for key, value in raw.items()}, **decoded}
    if body and content_type.startswith("multipart/form-data"):
        raw.update(_multipart(body, content_type))
    elif body:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    return {key: _decode(key, value) for key, value in raw.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in STRING_PARAMS or not value:
        return value
    if value[0] not in '{["-0123456789tfn':
        return value
    try:
        return json.loads(value, parse_constant=_no_constant)
    except ValueError:
        return value


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _multipart(body: bytes, content_type: str) -> dict[str, Any]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise ValueError("multipart body without a boundary")
    fields: dict[str, Any] = {}
    for part in body.split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (
                line.decode("utf-8", "replace").partition(":") for line in head.split(b"\r\n")
            )
        }
        disposition = headers.get("content-disposition", "")
        name = _disposition_param(disposition, "name")
        if name is None:
            continue
        filename = _disposition_param(disposition, "filename")
        if filename is None:
            fields[name] = content.decode()
        else:
            fields[name] = Upload(
                filename, headers.get("content-type", "application/octet-stream"), content
            )
    return fields


def _disposition_param(disposition: str, name: str) -> str | None:
    match = re.search(rf'(?:^|;)\s*{name}="([^"]*)"', disposition)
    if match is None:
        return None
    # httpx writes HTML5 form encoding: '"' and control characters as %XX, '\\' doubled.
    value = re.sub(r"%(1[0-9A-F]|0[0-9A-F]|22)", lambda m: chr(int(m.group(1), 16)), match.group(1))
    return value.replace("\\\\", "\\")
