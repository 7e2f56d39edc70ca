"""A message with no complaint content ("hello", "ok", an e-mail whose subject is "photo" with a
PNG and no text, "Add this to the case please") is not the triage model's to read: it gets the
default category and the tag needs-triage, as when the model is unsure, and the grade model does
not raise its grade. Before router.content the shipped model read them with confidence: "photo"
as privacy 0.77 (important), "Add this to the case please" raised to urgent at 0.81, "hello" as
staff attitude, "ok" as repair service. Short real complaints still reach the model, and a rule
that matches a short text still decides it (a rule that matched on words is content)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import Settings, load_settings
from router import NEEDS_TRIAGE, CustomerHistory, Decision, RoutingInput, route
from router.content import has_content
from router.decide import Effect
from router.rules import load_rule_set
from router.text import fold
from tests.router.inputs import make_input
from tests.router.shipped import shipped_model
from tests.router.test_model import BASE, SERVICE_LEVELS, decide, model

SETTINGS_PATH = Path(__file__).parents[2] / "settings.toml"
LABELLED = Path(__file__).parents[2] / "router" / "data" / "labelled"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SETTINGS_PATH)


def shipped(settings: Settings, message: RoutingInput) -> Decision:
    """`message` routed as intake routes it: the shipped rules and the shipped triage model."""
    return route(
        message,
        CustomerHistory(),
        settings.rules,
        settings.service_levels,
        settings.default_language,
        model=shipped_model(),
    )


EMPTY = [
    pytest.param(make_input("", "photo", "email", has_attachment=True), id="email-photo-png"),
    pytest.param(make_input("Add this to the case please", channel="email"), id="add-to-case"),
    pytest.param(make_input("hello"), id="hello"),
    pytest.param(make_input("ok"), id="ok"),
    *(
        pytest.param(make_input(text), id=text)
        for text in (
            "please see attached",
            "Hi, sending the photo as requested. Thanks!",
            "hola",
            "Buenos días, adjunto foto. Gracias",
            "你好",
            "见附件",
            "附件",
            "請看附件",
            "您好，请看附件中的照片，谢谢",
            "唔該，見附件",
            "help",
            "12345",
            "👍",
        )
    ),
    # a bare status question asks how things stand and says nothing of a complaint: from a
    # customer with no open complaint the model read "我的投诉有消息了吗？" as privacy
    # (data protection, important) and "¿Hay alguna novedad?" as stock
    *(
        pytest.param(make_input(text), id=text)
        for text in (
            "我的投诉有消息了吗？",
            "¿Hay alguna novedad?",
            "我的投訴有進展了嗎？",
            "any news?",
            "Hi, any update on my complaint yet? Thanks",
            "¿Hay novedades sobre mi reclamación?",
            "请问有进展吗",
        )
    ),
    # a subject that only names the kind of message says no more than the body: before the
    # kinds joined `FILLER` the model read "Question" + "hola" as staff attitude at 0.78,
    # "Problem" + "hello" at 0.51, "Re: Question" + "thanks" at 0.62, "URGENT" + "hello" as
    # safety (important) at 0.70
    *(
        pytest.param(make_input(text, subject, "email"), id=f"{subject}+{text}")
        for subject, text in (
            ("Question", "hola"),
            ("Problem", "hello"),
            ("Re: Question", "thanks"),
            ("URGENT", "hello"),
            ("AW: Problem", "hi"),
            ("Information request", ""),
            ("Consulta", "hola"),
            ("RV: Reclamación", "buenos días"),
            ("问题反馈", "你好"),
            ("回复: 咨询", "谢谢"),
            ("問題", "您好"),
            ("投訴", "見附件"),
        )
    ),
]


@pytest.mark.parametrize("message", EMPTY)
def test_a_message_without_complaint_content_waits_for_a_person(
    settings: Settings, message: RoutingInput
) -> None:
    decision = shipped(settings, message)
    assert decision.category == settings.rules.default_category == "other"
    assert NEEDS_TRIAGE in decision.tags
    assert decision.grade == settings.rules.default_grade  # no model raise, no category floor
    reasons = [step.reason for step in decision.trace]
    assert "no_content" in reasons
    assert not {"model", "model_unsure", "model_grade"} & set(reasons)
    [step] = [step for step in decision.trace if step.reason == "no_content"]
    assert step.rule == "model v1" and not step.matched
    assert step.effects == (Effect("tags", NEEDS_TRIAGE, True),)
    assert dict(step.facts) == {"version": "1", "tagged": "yes"}


SHORT_COMPLAINTS = [
    ("doesnt work", "product_quality"),
    ("no signal", "network_signal"),
    ("没信号", "network_signal"),
    ("sin señal", "network_signal"),
    ("我的手机坏了", "product_quality"),
    ("me cobraron dos veces", "billing"),
    ("煙", ""),  # a training row of one character: read by the model, whatever it says
    ("PAC?", ""),
]


@pytest.mark.parametrize(("text", "category"), SHORT_COMPLAINTS)
def test_short_real_complaints_still_reach_the_model(
    settings: Settings, text: str, category: str
) -> None:
    decision = shipped(settings, make_input(text))
    reasons = {step.reason for step in decision.trace}
    assert "no_content" not in reasons
    assert reasons & {"model", "model_unsure"}
    if category:
        assert decision.category == category
        assert NEEDS_TRIAGE not in decision.tags


@pytest.mark.parametrize(
    ("subject", "text", "category"),
    [
        ("Problem with my bill", "hello", "billing"),
        ("Question", "my phone has no signal", "network_signal"),
        ("Urgent", "no signal since Monday", "network_signal"),
        ("Consulta", "me cobraron dos veces", "billing"),
        ("问题反馈", "没信号", "network_signal"),
    ],
)
def test_a_subject_naming_the_kind_of_message_leaves_a_complaint_to_the_model(
    settings: Settings, subject: str, text: str, category: str
) -> None:
    """The kind of message ("Question", "Urgent", 问题反馈) is set aside, the complaint beside
    it in the subject or the body is read as before."""
    decision = shipped(settings, make_input(text, subject, "email"))
    reasons = {step.reason for step in decision.trace}
    assert "no_content" not in reasons and "model" in reasons
    assert decision.category == category
    assert NEEDS_TRIAGE not in decision.tags


@pytest.mark.parametrize(
    ("text", "category"),
    [("rude staff", "staff_attitude"), ("sold out", "stock"), ("缺货", "stock")],
)
def test_a_short_text_a_shipped_rule_matches_keeps_the_rules_category(
    settings: Settings, text: str, category: str
) -> None:
    decision = shipped(settings, make_input(text))
    assert decision.category == category
    assert NEEDS_TRIAGE not in decision.tags
    assert "no_content" not in {step.reason for step in decision.trace}


def test_a_rule_that_matches_filler_words_makes_them_content() -> None:
    """An admin's rule on "photo" says the word means something: the rule decides the category
    and, as for any complaint a rule categorised, the model is not asked for one."""
    photo = {"name": "photos", "keywords": ["photo"], "category": "billing"}
    rules = load_rule_set({**BASE, "rules": [photo]}, Path("x.toml"), "")
    decision = decide("photo", model(), rules)
    assert decision.category == "billing"
    assert NEEDS_TRIAGE not in decision.tags
    assert "no_content" not in {step.reason for step in decision.trace}


def test_a_rule_without_words_keeps_its_category_and_the_model_does_not_grade() -> None:
    """A rule on the channel alone read nothing: its category holds (no tag), and the trace
    says why the grade model was not asked."""
    mail = {"name": "mail", "channel": ["email"], "category": "repair"}
    rules = load_rule_set({**BASE, "rules": [mail]}, Path("x.toml"), "")
    decision = route(
        make_input("", "photo", "email", has_attachment=True),
        CustomerHistory(),
        rules,
        SERVICE_LEVELS,
        model=model(),
    )
    assert (decision.category, decision.tags) == ("repair", ())
    [step] = [step for step in decision.trace if step.reason == "no_content"]
    assert step.effects == () and dict(step.facts) == {"version": "3"}


def test_without_a_model_nothing_changes() -> None:
    decision = decide("hello", None)
    assert (decision.category, decision.tags) == ("other", ())
    assert "no_content" not in {step.reason for step in decision.trace}


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "OK",
        "Re: Fwd: photo",
        "IMG_0412.PNG",
        "Sent from my iPhone",
        "Adjuntó captura de pantalla, por favor agregar al expediente",
        "Enviado desde mi iPhone",
        "谢谢！",
        "好的，收到",
        "在嗎？",
        "Re: Fwd: Question",
        "URGENT!!!",
        "Question about the photo",
        "Consulta / Solicitud de información",
        "问题反馈",
        "諮詢",
        "🙂🙂",
        "",
    ],
)
def test_greetings_and_filler_have_no_content(text: str) -> None:
    assert not has_content(fold(text))


def test_every_training_complaint_has_content() -> None:
    """The training files are the project's examples of complaints, short ones on purpose: none
    of them may be read as empty (`FILLER` must not grow a word that carries a complaint)."""
    empty = []
    for path in sorted(LABELLED.glob("train-*.jsonl")):
        with path.open(encoding="utf-8") as rows:
            empty += [
                row["text"] for row in map(json.loads, rows) if not has_content(fold(row["text"]))
            ]
    assert empty == []
