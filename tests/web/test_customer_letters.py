"""What customers read when a person acts, over the real bot: a resolution and an agent's reply
are letters (greeting, the text, a closing; the agent signs their reply; a text that greets
or closes already gets no second greeting or closing), by e-mail through a real SMTP relay and by
webhook callback over real HTTP; each callback's "kind" says what the message is; automatic
notices keep Auto-Submitted; a merge cancels only the scheduler's progress and survey notices,
not a person's notice."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from tests.conftest import CallbackReceiver
from tests.mailpeers import Sink
from tests.web.conftest import Desk, delivered, mailed, mails, rows

TEXT = "The invoice for order 5521 charged my card twice, please refund the second payment"
COMPANY = "Customer care"


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


async def test_a_resolution_and_a_reply_by_mail_are_letters_and_only_the_reply_is_a_persons(
    mail_desk: tuple[Desk, Sink],
) -> None:
    desk, sink = mail_desk
    ana = await desk.account("Ana")
    number = await mailed(desk, TEXT, sender="eve@customer.test")
    await mails(desk, sink)  # the acknowledgement

    answer = await ana.post(
        f"/api/complaints/{number}/reply", json={"text": "We are checking the second charge."}
    )
    assert answer.status_code == 200, answer.text
    [reply] = await mails(desk, sink)
    assert plain(reply).strip() == (
        f"Dear Ana,\n\nWe are checking the second charge.\n\nKind regards,\nAna\n{COMPANY}"
    )
    assert reply["Auto-Submitted"] is None

    greeted = "Dear Ms Example,\n\nThe refund is on its way."
    answer = await ana.post(f"/api/complaints/{number}/reply", json={"text": greeted})
    assert answer.status_code == 200, answer.text
    [reply] = await mails(desk, sink)
    # the agent's own greeting, not a second one; the bot's closing, since the text has none
    assert plain(reply).strip() == f"{greeted}\n\nKind regards,\nAna\n{COMPANY}"

    answer = await ana.post(
        f"/api/complaints/{number}/resolve", json={"summary": "We refunded the payment"}
    )
    assert answer.status_code == 200, answer.text
    [resolution] = await mails(desk, sink)
    text = plain(resolution)
    assert text.startswith("Dear Ana,\n\n")
    assert f"{number} has been resolved: We refunded the payment.\n\n" in text
    assert "just reply to this message: your complaint will be reopened" in text
    assert text.strip().endswith(f"Kind regards,\n{COMPANY}")
    assert resolution["Auto-Submitted"] == "auto-replied"


async def test_each_callback_says_what_its_message_is(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    ana = await desk.account("Ana")
    first = (await desk.complain(TEXT, customer="c-1", name="Ana Pérez"))["complaint"]
    second = (await desk.complain("我的账单重复扣款了两次，请退款。", customer="c-2", name="王丽"))[
        "complaint"
    ]
    assert [c["kind"] for c in await delivered(desk, receiver)] == ["acknowledgement"] * 2

    assert (await ana.post(f"/api/complaints/{first}/assign", json={})).status_code == 200
    assert (await ana.post(f"/api/complaints/{first}/reply", json={"text": "On it."})).is_success
    resolve = await ana.post(f"/api/complaints/{first}/resolve", json={"summary": "Refunded."})
    assert resolve.status_code == 200, resolve.text
    reject = await ana.post(
        f"/api/complaints/{second}/reject", json={"explanation": "这是预授权，不是扣款"}
    )
    assert reject.status_code == 200, reject.text
    told = {(c["complaint"], c["kind"]): c["text"] for c in await delivered(desk, receiver)}
    assert set(told) == {
        (first, "assigned"),
        (first, "reply"),
        (first, "resolved"),
        (second, "rejected"),
    }
    assert told[first, "reply"] == f"Dear Ana Pérez,\n\nOn it.\n\nKind regards,\nAna\n{COMPANY}"
    assert told[first, "resolved"].startswith("Dear Ana Pérez,\n\nYour complaint")

    desk.clock.advance(timedelta(days=8))
    await desk.app.state.services.sweeps.run_all()
    assert [(c["complaint"], c["kind"]) for c in await delivered(desk, receiver)] == [
        (first, "survey")
    ]


async def test_a_chinese_resolution_is_a_letter_in_chinese(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    ana = await desk.account("Ana")
    number = (await desk.complain("我的账单重复扣款了两次，请退款。", customer="c-2", name="王丽"))[
        "complaint"
    ]
    await delivered(desk, receiver)
    resolve = await ana.post(f"/api/complaints/{number}/resolve", json={"summary": "已退款"})
    assert resolve.status_code == 200, resolve.text
    [told] = await delivered(desk, receiver)
    assert told["kind"] == "resolved"
    assert told["text"] == (
        f"王丽，您好：\n\n您的投诉 {number} 已处理完毕：已退款。\n\n如您对处理结果不满意，请直接"
        f"回复本消息：我们将重新开启您的投诉，并由工作人员再次跟进。\n\n祝您生活愉快！\n客户服务部"
    )


async def test_a_merge_keeps_a_persons_notice_and_cancels_the_schedulers_progress(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    ana = await desk.account("Ana", departments=("billing", "network"))
    target = (await desk.complain(TEXT, customer="c-1"))["complaint"]
    source = (await desk.complain("My router drops the line every evening.", customer="c-1"))[
        "complaint"
    ]
    assert source != target
    await delivered(desk, receiver)
    desk.clock.advance(timedelta(days=1, hours=1))
    await desk.app.state.services.sweeps.run_all()  # progress updates fall due on both
    reject = await ana.post(
        f"/api/complaints/{source}/reject", json={"explanation": "It is planned maintenance."}
    )
    assert reject.status_code == 200, reject.text
    # the customer disputes before the rejection went out: the complaint is open again
    await desk.complain("I disagree, it is not maintenance.", customer="c-1", complaint=source)

    merge = await ana.post(f"/api/complaints/{source}/merge", json={"into": target})

    assert merge.status_code == 200, merge.text
    kinds = {(c["complaint"], c["kind"]) for c in await delivered(desk, receiver)}
    assert (source, "rejected") in kinds and (target, "merged") in kinds
    assert (source, "progress") not in kinds and (target, "progress") in kinds
    cancelled = rows(desk, "SELECT kind FROM outbox WHERE status = 'cancelled'")
    assert [row["kind"] for row in cancelled] == ["progress"]  # the source's, moved to target


async def test_an_agents_own_greeting_and_closing_are_not_doubled_in_any_language(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    ana = await desk.account("ana", departments=("billing", "logistics"))
    chinese = (await desk.complain("冰箱送到时就坏了，请更换。", customer="c-3", name="张伟"))[
        "complaint"
    ]
    spanish = (
        await desk.complain(
            "La factura del pedido 5521 me cobró dos veces, devuélvanme el segundo pago",
            customer="c-4",
            name="Ana Pérez",
        )
    )["complaint"]
    await delivered(desk, receiver)
    replies = {
        chinese: "张先生：\n新冰箱明天送到。\n此致\n敬礼",
        spanish: "Ya le hemos devuelto el cargo.\n\nUn saludo,\nAna\nAtención al cliente",
        # a greeting of the agent's own, the bot's closing
        "c3": "Hola Ana:\nya le hemos devuelto el cargo.",
    }
    for number, text in list(replies.items())[:2]:
        answer = await ana.post(f"/api/complaints/{number}/reply", json={"text": text})
        assert answer.status_code == 200, answer.text
    told = {c["complaint"]: c["text"] for c in await delivered(desk, receiver)}
    assert told[chinese] == replies[chinese]
    assert told[spanish] == f"Estimado/a Ana Pérez:\n\n{replies[spanish]}"
    answer = await ana.post(f"/api/complaints/{spanish}/reply", json={"text": replies["c3"]})
    assert answer.status_code == 200, answer.text
    [again] = await delivered(desk, receiver)
    assert again["text"].startswith(replies["c3"] + "\n\nAtentamente,\nana\n")


async def test_a_greeting_reads_a_last_first_name_in_order_and_leaves_out_a_login(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    desk, receiver = reachable_desk
    ana = await desk.account("Ana")
    spanish = "La factura del pedido 5521 me cobró dos veces, devuélvanme el segundo pago"
    jose = (await desk.complain(spanish, customer="c-5", name="Perez, Jose"))["complaint"]
    login = (await desk.complain(spanish, customer="c-6", name="ana.martinez"))["complaint"]
    acks = {c["complaint"]: c["text"] for c in await delivered(desk, receiver)}
    assert acks[jose].startswith("Estimado/a Jose Perez:\n\n")
    assert acks[login].startswith("Estimado/a cliente:\n\n")
    for number in (jose, login):
        answer = await ana.post(f"/api/complaints/{number}/reply", json={"text": "Ya está."})
        assert answer.status_code == 200, answer.text
    replies = {c["complaint"]: c["text"] for c in await delivered(desk, receiver)}
    assert replies[jose].startswith("Estimado/a Jose Perez:\n\nYa está.")
    assert replies[login].startswith("Estimado/a cliente:\n\nYa está.")


async def test_a_rejection_and_a_proposal_by_callback_are_letters_in_the_customers_language(
    reachable_desk: tuple[Desk, CallbackReceiver],
) -> None:
    """A rejection and a proposal read like the resolution: greeting by name, the text, what to
    do next (reply to dispute; reply to accept or refuse), the company's closing."""
    desk, receiver = reachable_desk
    ana = await desk.account("Ana")
    first = (await desk.complain(TEXT, customer="c-1", name="Ana Pérez"))["complaint"]
    second = (await desk.complain("我的账单重复扣款了两次，请退款。", customer="c-2", name="王丽"))[
        "complaint"
    ]
    await delivered(desk, receiver)

    propose = await ana.post(
        f"/api/complaints/{first}/solutions",
        json={"kind": "apology", "description": "we are sorry for the second charge"},
    )
    assert propose.status_code == 201, propose.text
    reject = await ana.post(
        f"/api/complaints/{second}/reject", json={"explanation": "这是预授权，不是扣款"}
    )
    assert reject.status_code == 200, reject.text

    told = {c["kind"]: c["text"] for c in await delivered(desk, receiver)}
    assert told["proposed"] == (
        f"Dear Ana Pérez,\n\nAbout your complaint {first}, we propose: our formal apology: we "
        "are sorry for the second charge.\n\nPlease reply to this message to tell us whether this "
        f"works for you.\n\nKind regards,\n{COMPANY}"
    )
    assert told["rejected"] == (
        f"王丽，您好：\n\n感谢您就 {second} 联系我们。经过仔细核实，我们无法将其作为投诉受理："
        "这是预授权，不是扣款。\n\n如有异议，请直接回复本消息，我们会重新审核。\n\n"
        "祝您生活愉快！\n客户服务部"
    )


async def test_a_rejection_by_mail_is_a_letter(mail_desk: tuple[Desk, Sink]) -> None:
    desk, sink = mail_desk
    ana = await desk.account("Ana")
    number = await mailed(desk, TEXT, sender="eve@customer.test")
    await mails(desk, sink)  # the acknowledgement

    answer = await ana.post(
        f"/api/complaints/{number}/reject", json={"explanation": "It is a pre-authorisation"}
    )
    assert answer.status_code == 200, answer.text
    [rejection] = await mails(desk, sink)
    text = plain(rejection)
    assert text.startswith("Dear Ana,\n\nThank you for contacting us about ")
    assert "a complaint: It is a pre-authorisation.\n\nIf you disagree, just reply" in text
    assert text.strip().endswith(f"Kind regards,\n{COMPANY}")
    assert rejection["Auto-Submitted"] == "auto-replied"
