"""A Telegram to try the bot's Telegram channel with, on this machine and without a network:
the tests' Bot API server (tests/telegram_api.py) plus a few routes to play the customers and
agents, for a person with curl.

    .venv/bin/python -m tests.telegram_sandbox --port 8081

Point the bot at it (`[telegram] enabled = true`, `token` as printed, `base_url =
"http://127.0.0.1:8081/bot"`, `base_file_url = "http://127.0.0.1:8081/file/bot"`), then:

- `POST /sandbox/say` `{"user": 42, "text": "…", "language": "es", "name": "Ana"}`: user 42
  writes to the bot in a private chat (`chat` and `"chat_type": "supergroup"` for a group,
  `reply_to` a bot message's id for a Telegram Reply); answers the update's id;
- `POST /sandbox/press` `{"user": 42, "message_id": 7, "button": "5"}`: the user presses the
  button with that text (or callback data) under the bot's message 7 in their chat (`chat` for
  another one);
- `GET /sandbox/chats/42`: what the bot sent to chat 42 so far, oldest first, each with its
  `message_id`, `text` (or caption) and `buttons` ([[{"text", "data"}]]), as last edited.

Everything is kept in memory and lost when it stops. The real Telegram is not involved: a bot
token means nothing here, any token of the form `<digits>:<at least 20 characters>` is the one
printed at start unless `--token` says otherwise.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from tests.telegram_api import FakeTelegram

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN-0123456789abcdef"


class Say(BaseModel):
    """A message a user sends."""

    model_config = ConfigDict(extra="forbid")
    user: int = Field(gt=0)
    text: str = Field(min_length=1, max_length=4096)
    chat: int | None = None
    chat_type: str = Field(default="private", pattern="^(private|group|supergroup)$")
    language: str = "en"
    name: str = "Ana"
    reply_to: int | None = None


class Press(BaseModel):
    """A user pressing an inline button under one of the bot's messages."""

    model_config = ConfigDict(extra="forbid")
    user: int = Field(gt=0)
    message_id: int
    button: str = Field(min_length=1)
    chat: int | None = None
    language: str = "en"
    name: str = "Ana"


def _refused(status: int, detail: Any) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


async def _parsed(request: Request, model: type[BaseModel]) -> BaseModel | JSONResponse:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        return _refused(422, error.errors(include_url=False, include_context=False))


def _shown(api: FakeTelegram, chat: int) -> list[dict[str, Any]]:
    """The bot's messages in `chat` as a person reads them: id, text or caption, buttons."""
    return [
        {
            "message_id": message["message_id"],
            "text": message.get("text", message.get("caption", "")),
            "buttons": [
                [{"text": key.get("text"), "data": key.get("callback_data")} for key in row]
                for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            ],
        }
        for message in api.bot_messages(chat)
    ]


def sandbox_app(api: FakeTelegram) -> Starlette:
    """The Bot API at `/bot…` and `/file/bot…`, the playing routes under `/sandbox`."""

    async def say(request: Request) -> JSONResponse:
        said = await _parsed(request, Say)
        if isinstance(said, JSONResponse):
            return said
        assert isinstance(said, Say)
        chat = said.chat if said.chat is not None else said.user
        sent = {message["message_id"] for message in api.bot_messages(chat)}
        if said.reply_to is not None and said.reply_to not in sent:
            return _refused(404, f"the bot sent no message {said.reply_to} to chat {chat}")
        update = api.message_update(
            chat_id=chat,
            user_id=said.user,
            text=said.text,
            first_name=said.name,
            language_code=said.language,
            chat_type=said.chat_type,
            reply_to_message_id=said.reply_to,
        )
        return JSONResponse({"update_id": api.push_update(update)})

    async def press(request: Request) -> JSONResponse:
        pressed = await _parsed(request, Press)
        if isinstance(pressed, JSONResponse):
            return pressed
        assert isinstance(pressed, Press)
        chat = pressed.chat if pressed.chat is not None else pressed.user
        message = next(
            (m for m in _shown(api, chat) if m["message_id"] == pressed.message_id), None
        )
        if message is None:
            return _refused(404, f"the bot sent no message {pressed.message_id} to chat {chat}")
        keys = [key for row in message["buttons"] for key in row]
        data = next((k["data"] for k in keys if pressed.button in (k["text"], k["data"])), None)
        if data is None:
            shown = [key["text"] for key in keys]
            return _refused(
                404,
                f"message {pressed.message_id} has no button {pressed.button!r}"
                f"; its buttons: {shown}",
            )
        update = api.callback_update(
            chat_id=chat,
            user_id=pressed.user,
            data=data,
            message_id=pressed.message_id,
            first_name=pressed.name,
            language_code=pressed.language,
        )
        return JSONResponse({"update_id": api.push_update(update)})

    async def chat(request: Request) -> JSONResponse:
        try:
            chat_id = int(request.path_params["chat"])
        except ValueError:
            return _refused(422, "a chat is a number, such as 42 or -1001234567890")
        return JSONResponse(_shown(api, chat_id))

    telegram = api.app()
    return Starlette(
        routes=[
            Route("/sandbox/say", say, methods=["POST"]),
            Route("/sandbox/press", press, methods=["POST"]),
            Route("/sandbox/chats/{chat}", chat, methods=["GET"]),
            Mount("/", app=telegram),
        ],
        lifespan=lambda _app: telegram.router.lifespan_context(telegram),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    api = FakeTelegram(token=args.token)
    print(  # noqa: T201 (a person reads it: this is a command-line tool)
        f"Telegram sandbox on http://127.0.0.1:{args.port}; in the bot's settings.toml:\n"
        f'[telegram]\nenabled = true\ntoken = "{args.token}"\n'
        f'base_url = "http://127.0.0.1:{args.port}/bot"\n'
        f'base_file_url = "http://127.0.0.1:{args.port}/file/bot"',
        flush=True,
    )
    uvicorn.run(sandbox_app(api), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
