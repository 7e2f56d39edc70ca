"""Dead letters over the real HTTP API: who may see them, the list, the raw download, and
reprocessing through the e-mail channel exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.policy import SMTP

from tests.conftest import table_counts
from tests.mailpeers import mail, send
from tests.web.conftest import Desk, rows

UNPARSEABLE = b"this is not an e-mail at all"


def good_mail(message_id: str = "<kept-1@customer.test>") -> bytes:
    text = "My Philips HD9252 air fryer stopped heating after a week. Order A-123."
    return mail(text, message_id=message_id).as_bytes(policy=SMTP)


async def keep_letters(desk: Desk) -> tuple[int, int, int]:
    """A mail kept while the store was down (good once retried), unparseable mail received over
    SMTP, and an ignored bounce: ids oldest first, a minute apart."""
    letters = desk.app.state.services.dead_letters
    good = await letters.keep("email", good_mail(), "StoreUnavailable: the store was locked")
    desk.clock.advance(timedelta(minutes=1))
    await send(desk.app.state.services.channels["email"].smtp_port, UNPARSEABLE)
    (broken,) = rows(desk, "SELECT id FROM dead_letters WHERE id != :good", good=good)
    desk.clock.advance(timedelta(minutes=1))
    ignored = await letters.keep("email", b"Subject: bounce\r\n\r\nx", "a bounce", "ignored")
    return good, broken["id"], ignored


async def test_dead_letter_routes_need_an_admin(desk: Desk) -> None:
    good, _, _ = await keep_letters(desk)
    anonymous = desk.client()
    agent = await desk.account("Ana", role="agent", departments=("billing",))
    supervisor = await desk.account("Sam", role="supervisor", departments=("billing",))
    routes = [
        ("GET", "/api/dead-letters"),
        ("GET", f"/api/dead-letters/{good}/raw"),
        ("POST", f"/api/dead-letters/{good}/reprocess"),
        ("POST", "/api/dead-letters/reprocess"),
    ]
    before = table_counts(desk.bot.store_url)
    for method, path in routes:
        assert (await anonymous.request(method, path)).status_code == 401, (method, path)
        for client in (agent, supervisor):
            refused = await client.request(method, path)
            assert refused.status_code == 403, (method, path)
            assert "admin" in refused.json()["detail"]
    assert table_counts(desk.bot.store_url) == before
    assert rows(desk, "SELECT status FROM dead_letters WHERE id = :id", id=good) == [
        {"status": "kept"}
    ]


async def test_an_admin_lists_dead_letters_newest_first_by_status_and_page(desk: Desk) -> None:
    good, broken, ignored = await keep_letters(desk)
    admin = await desk.account("Root", role="admin", departments=())

    listed = (await admin.get("/api/dead-letters")).json()
    assert listed["total"] == 3
    assert [item["id"] for item in listed["items"]] == [ignored, broken, good]
    newest = listed["items"][1]
    assert newest["channel"] == "email" and newest["status"] == "kept"
    delivered = b"Return-Path: <ana@customer.test>\r\n" + UNPARSEABLE + b"\r\n"
    assert newest["size"] == len(delivered) and newest["reason"] and "raw" not in newest

    kept = (await admin.get("/api/dead-letters", params={"status": "kept"})).json()
    assert kept["total"] == 2 and [item["id"] for item in kept["items"]] == [broken, good]
    second = (await admin.get("/api/dead-letters", params={"limit": 1, "offset": 1})).json()
    assert second["total"] == 3 and [item["id"] for item in second["items"]] == [broken]
    assert (await admin.get("/api/dead-letters", params={"status": "lost"})).status_code == 422


async def test_the_raw_letter_is_a_download_never_a_page(desk: Desk) -> None:
    good, _, _ = await keep_letters(desk)
    odd = await desk.app.state.services.dead_letters.keep(
        "telegram", b"<script>alert(1)</script>", "too large"
    )
    admin = await desk.account("Root", role="admin", departments=())

    raw = await admin.get(f"/api/dead-letters/{good}/raw")
    assert raw.status_code == 200 and raw.content == good_mail()
    assert raw.headers["content-type"] == "message/rfc822"
    assert raw.headers["content-disposition"] == f'attachment; filename="dead-letter-{good}.eml"'
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in raw.headers["content-security-policy"]

    other = await admin.get(f"/api/dead-letters/{odd}/raw")
    assert other.headers["content-type"] == "application/octet-stream"
    assert other.headers["content-disposition"] == f'attachment; filename="dead-letter-{odd}.bin"'
    assert (await admin.get("/api/dead-letters/999/raw")).status_code == 404


async def test_a_dead_letter_is_reprocessed_once_and_a_failure_stays_kept(desk: Desk) -> None:
    good, broken, ignored = await keep_letters(desk)
    admin = await desk.account("Root", role="admin", departments=())

    done = await admin.post(f"/api/dead-letters/{good}/reprocess")
    assert done.status_code == 200, done.text
    assert done.json()["ok"] is True and "recorded in" in done.json()["outcome"]
    (complaint,) = rows(desk, "SELECT id FROM complaints")
    acknowledgements = rows(
        desk, "SELECT id FROM outbox WHERE complaint_id = :id", id=complaint["id"]
    )
    assert len(acknowledgements) == 1

    again = await admin.post(f"/api/dead-letters/{good}/reprocess")
    assert again.status_code == 409 and "reprocessed already" in again.json()["detail"]
    assert (await admin.post(f"/api/dead-letters/{ignored}/reprocess")).status_code == 409
    assert (await admin.post("/api/dead-letters/999/reprocess")).status_code == 404
    failed = await admin.post(f"/api/dead-letters/{broken}/reprocess")
    assert failed.status_code == 200 and failed.json()["ok"] is False
    # stored and shown in the words of first intake, no class name
    assert failed.json()["outcome"] == "cannot be parsed: not an e-mail message: no header lines"

    everything = await admin.post("/api/dead-letters/reprocess")  # only the kept one is run
    assert [(r["letter"], r["ok"]) for r in everything.json()] == [(broken, False)]
    assert rows(desk, "SELECT id, status FROM dead_letters ORDER BY id") == [
        {"id": good, "status": "reprocessed"},
        {"id": broken, "status": "kept"},
        {"id": ignored, "status": "ignored"},
    ]
    assert len(rows(desk, "SELECT id FROM complaints")) == 1
    assert len(rows(desk, "SELECT id FROM outbox")) == 1


async def test_two_reprocessings_at_once_run_the_letter_once(desk: Desk) -> None:
    """Two admins (or the console and the command line) at the same moment: one runs it, the
    other is told it is taken; the channel's handler sees the letter once."""
    good, _, _ = await keep_letters(desk)
    letters = desk.app.state.services.dead_letters
    email = desk.app.state.services.channels["email"]
    runs: list[bytes] = []

    async def handler(raw: bytes) -> str:
        runs.append(raw)
        await asyncio.sleep(0)  # let the other run reach the letter meanwhile
        return str(await email.process(raw))

    first, second = await asyncio.gather(
        letters.reprocess({"email": handler}, [good]), letters.reprocess({"email": handler}, [good])
    )
    assert runs == [good_mail()]
    assert [result.ok for result in first + second] == [True]

    admin = await desk.account("Root", role="admin", departments=())
    other = await letters.keep("email", good_mail("<kept-2@customer.test>"), "store was down")
    answers = await asyncio.gather(
        admin.post(f"/api/dead-letters/{other}/reprocess"),
        admin.post(f"/api/dead-letters/{other}/reprocess"),
    )
    assert sorted(answer.status_code for answer in answers) == [200, 409]
    assert len(rows(desk, "SELECT id FROM messages WHERE direction = 'in'")) == 2
