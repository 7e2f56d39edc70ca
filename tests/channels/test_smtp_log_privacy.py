"""The SMTP intake in a raw conversation (a socket, as a sloppy or hostile client writes): what
aiosmtpd logs keeps the event but none of the client's words, and AUTH is offered only when
`[email.smtp_server]` has credentials to check."""

from __future__ import annotations

import asyncio
import io
import logging
import smtplib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from channels.email.smtp_server import serve_smtp
from config import load_settings
from tests.conftest import write_settings
from tests.observe.test_logs import json_log

__all__ = ["json_log"]  # the fixture

BODY = (
    "ana.private@example.org wrote this\r\n"
    "+34612345678 is my phone\r\n"
    "Quintana-Whitfield is my name\r\n"
    "MARKERWORD again\r\n"
)
PRIVATE = ("ana.private", "+34612345678", "Quintana", "MARKERWORD")


async def smtp_server(tmp_path: Path, overrides: dict[str, Any]) -> asyncio.Server:
    settings = load_settings(write_settings(tmp_path, {"email": {"smtp_server": overrides}}))

    async def receive(raw: bytes) -> str:
        raise AssertionError("nothing is accepted in these conversations")

    return await serve_smtp(settings.email, receive)


@pytest.fixture
async def plain_server(tmp_path: Path) -> AsyncIterator[int]:
    """The SMTP intake without credentials; its port."""
    server = await smtp_server(tmp_path, {})
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def converse(port: int, lines: list[str]) -> str:
    """Write `lines` at once (pipelining, without waiting for answers), then QUIT; all answers."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        async with asyncio.timeout(10):
            await reader.readline()  # the greeting
            writer.write("".join(line + "\r\n" for line in [*lines, "QUIT"]).encode())
            await writer.drain()
            return (await reader.read()).decode()
    finally:
        writer.close()
        await writer.wait_closed()


async def test_body_lines_after_a_refused_recipient_leave_no_word_in_the_log(
    plain_server: int, json_log: io.StringIO
) -> None:
    """The client pipelines DATA and its body though RCPT was refused: each body line is then a
    command aiosmtpd does not know, and it logs the first word at WARNING."""
    lines = ["EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<x@elsewhere.example>"]
    answers = await converse(plain_server, [*lines, "DATA", *BODY.splitlines(), "."])
    assert "550 5.1.1" in answers and 'command "MARKERWORD" not recognized' in answers
    written = json_log.getvalue()
    assert "unrecognised" in written  # the event stays
    for private in PRIVATE:
        assert private not in written


def test_a_command_over_its_limit_is_logged_without_the_command(json_log: io.StringIO) -> None:
    """aiosmtpd's line when a client repeats a command past `command_call_limit` (the bot sets
    none, so it is written here as aiosmtpd writes it): the "command" may be a body line's word."""
    logging.getLogger("mail.log").warning("%r over limit for %s", ("127.0.0.1", 5), "MARKERWORD")
    written = json_log.getvalue()
    assert "('127.0.0.1', 5) over limit for" in written and "MARKERWORD" not in written


async def test_without_credentials_auth_is_neither_offered_nor_taken(plain_server: int) -> None:
    answers = await converse(plain_server, ["EHLO client.example", "AUTH PLAIN AGEAYg=="])
    ehlo = [line for line in answers.splitlines() if line.startswith("250")]
    assert ehlo and not [line for line in ehlo if "AUTH" in line]
    assert "535" not in answers and "not recognized" in answers


@pytest.mark.parametrize("credentials", [True, False])
async def test_after_starttls_auth_is_offered_only_with_credentials(
    tmp_path: Path, credentials: bool
) -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    options = {"tls_cert": str(cert), "tls_key": str(key)}
    if credentials:
        options |= {"auth_username": "mta", "auth_password": "s3cret-passw0rd"}
    server = await smtp_server(tmp_path, options)
    context = ssl.create_default_context()
    authority.configure_trust(context)

    def offered() -> tuple[bool, bool]:
        with smtplib.SMTP("127.0.0.1", server.sockets[0].getsockname()[1], timeout=10) as client:
            client.ehlo()
            before = client.has_extn("auth")
            client.starttls(context=context)
            client.ehlo()
            return before, client.has_extn("auth")

    try:
        assert await asyncio.to_thread(offered) == (False, credentials)
    finally:
        server.close()
        await server.wait_closed()


def test_a_library_warning_without_words_of_the_client_is_kept(json_log: io.StringIO) -> None:
    logging.getLogger("mail.log").warning("%r too many bogus commands", ("127.0.0.1", 5))
    assert "('127.0.0.1', 5) too many bogus commands" in json_log.getvalue()
