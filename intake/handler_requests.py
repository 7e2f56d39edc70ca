"""A customer asks for someone else to handle their complaint (seed 001). The request is
always recorded for the desk: a `handler_requested` event on the timeline and the tag
`handler-requested` (the queue filters by it). A senior agent of the department takes over and
the supervisor is told; without one, the supervisor (if the department has one) is told that,
and the customer hears that the desk will assign another person (`handler_unavailable`): with
the shipped settings (no senior agents, no supervisors) the event and the tag are what the desk
goes by.

What counts as the request, in a message that joins an open complaint:
- "/handler", "change handler", "cambiar de gestor", "更换处理人" or "更換處理人" at the start
  of any message (the commands the bot always knew);
- in a SHORT message (at most `SHORT_WORDS` words, a Chinese character counting as half a word)
  the request phrased naturally, anywhere: "I want to speak to someone else", "can I talk to a
  manager?", "another agent, please", "quiero hablar con un supervisor", "cambiar de gestor",
  "我要换个处理人", "换人处理", "找你们主管", "我要換個處理人", Cantonese "我要搵你哋經理",
  "我想搵主管傾", "叫你哋主管打返畀我", Taiwanese "我要換承辦人", "請你們主管跟我聯絡".
  A phrase needs a request form (want, would like, can I, please, quiero, necesito, 我要, 请,
  or standing alone as its own clause), so "the manager was rude" or "I tried to talk to the
  manager" is no request, and a negation just before it ("I don't want to speak to a
  manager", "no quiero otro gestor", "不用换人", "我唔想搵主管") cancels it. A long message is
  a complaint in its own right, even if it asks for a manager somewhere: it is kept and
  answered as such.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from complaints.workflow import OPEN_WORK
from outbox.notify import Notifier
from router.text import FoldedText, cjk_count, fold
from store import queries
from store.models import Complaint
from store.queries.accounts import senior_agents
from store.queries.complaints import changed_meanwhile, set_if_unchanged

TAG = "handler-requested"
"""The tag of a complaint whose customer asked for another handler."""

SHORT_WORDS = 30
"""The longest message (in words; a Chinese character is half a word) in which a request phrased
naturally counts; longer ones only count when they start with a command."""

_COMMAND = re.compile(r"^\s*(/handler\b|change handler\b|cambiar de gestor|更换处理人|更換處理人)")
_SLASH = re.compile(r"(?:^|\s)/handler\b")
_CLAUSES = re.compile(r"[.,;:!?¡¿()\[\]\n，。；：！？、（）「」“”]+")


def _words(text: str) -> str:
    """Several words in sequence, whatever spaces stand between them."""
    return text.replace(" ", r"\s+")


_EN_TARGET = _words(
    r"(?:(?:someone|somebody|anyone|anybody) else"
    r"|(?:another|a different|different|a new|some other|other) (?:handler|agent|person|"
    r"representative|rep|adviser|advisor|operator|employee|colleague|staff member|human|"
    r"case handler|case worker)"
    r"|(?:(?:a|an|the|your|a senior|the senior) )?(?:manager|supervisor|superior|boss|"
    r"team lead(?:er)?|senior agent))"
)
_EN_MODAL = _words(
    r"(?:want|wanna|like|need|demand|wish|insist on|request|ask for|asking for|ask to|"
    r"asking to|can i|could i|may i|let me|please|pls|plz)"
)
_EN_ACTION = _words(
    rf"(?:(?:to )?(?:speak|talk|chat) (?:to|with) {_EN_TARGET}"
    r"|(?:(?:to )?(?:have|get|be given|be handled by|be passed to|be transferred to|"
    rf"be put through to|escalate (?:this|it|my complaint|my case) to) )?{_EN_TARGET}"
    r"|(?:to )?(?:change|switch|replace) (?:my |the |your )?(?:handler|agent|case handler|"
    r"case worker|representative|rep|adviser|advisor|operator|contact person))"
)
_EN_IMPERATIVE = _words(
    rf"(?:transfer|put|pass|escalate|give|connect|hand) (?:me|this|it|my complaint|my case) "
    rf"(?:to|through to|over to|with) {_EN_TARGET}"
    r"|(?:change|switch|replace) (?:my |the |your )?(?:handler|agent)"
)

_ES_TARGET = _words(
    r"(?:otra (?:persona|agente|gestora|asesora|empleada|operadora|companera)"
    r"|otro (?:agente|gestor|asesor|empleado|responsable|interlocutor|operador|companero)"
    r"|alguien (?:mas|distinto|diferente)"
    r"|(?:(?:un|una|el|la|su|al|a un|a una|a su|vuestro|vuestra|tu) )?(?:supervisor|supervisora|"
    r"responsable|encargado|encargada|gerente|jefe|jefa|superior|director|directora|"
    r"coordinador|coordinadora))"
)
_ES_MODAL = _words(
    r"(?:quiero|quisiera|necesito|deseo|exijo|pido|solicito|prefiero|me gustaria|puedo|podria|"
    r"podrian|pueden|puede|por favor|favor de)"
)
_ES_CHANGE = _words(
    r"(?:cambiar|cambio|cambien|cambie) (?:de |el |mi |la )?(?:gestor|gestora|agente|asesor|"
    r"asesora|persona|responsable|interlocutor|tramitador|operador|operadora|encargado|encargada)"
)
_ES_ACTION = _words(
    rf"(?:(?:hablar|tratar|comunicarme|contactar) con {_ES_TARGET}"
    rf"|que (?:me atienda|lo lleve|la lleve|se encargue|lo gestione|la gestione|lo revise|"
    rf"la revise|me llame|me contacte|se ocupe) {_ES_TARGET}"
    rf"|(?:pasarme|ponerme|transferirme|derivarme|escalarlo|escalarla) con {_ES_TARGET}"
    rf"|{_ES_CHANGE}|{_ES_TARGET})"
)
_ES_IMPERATIVE = _words(
    rf"(?:(?:paseme|pasame|ponme|pongame|comuniqueme|comunicame|transfierame|transfiereme|"
    rf"derivame|derivenme|paseme) con {_ES_TARGET}|{_ES_CHANGE})"
)

_LATIN_REQUESTS = (
    re.compile(rf"\b{_EN_MODAL}\s+{_EN_ACTION}\b"),
    re.compile(rf"^(?:(?:hi|hello|ok|okay|so|then|and|but|please|pls) )*(?:{_EN_IMPERATIVE})\b"),
    re.compile(rf"\b(?:can|could|would|will) you\s+(?:{_EN_IMPERATIVE})\b"),
    re.compile(rf"^(?:(?:please|can i have|could i have) )?{_EN_TARGET}(?: please)?$"),
    re.compile(rf"\b{_ES_MODAL}\s+{_ES_ACTION}\b"),
    re.compile(rf"^(?:(?:hola|bueno|vale|pues|entonces|por favor) )*(?:{_ES_IMPERATIVE})\b"),
    re.compile(rf"^(?:por favor )?{_ES_TARGET}(?: por favor)?$"),
)
_LATIN_NEGATION = re.compile(
    r"\b(?:not|no|never|dont|doesnt|didnt|wont|wouldnt|cant|cannot|nor|without|neither|"
    r"nunca|tampoco|ni|sin)\b"
)

# Chinese is matched in simplified Mandarin: Cantonese words are first put in Mandarin ones (搵
# find, 你哋 you, 傾 talk, 畀 give, 唔 not, 冇 none, 唔該 please), then the traditional
# characters the phrases use are mapped.
_CANTONESE = (("唔該", "请"), ("唔该", "请"), ("唔使", "不用"), ("唔駛", "不用"))
_SIMPLIFIED = str.maketrans(
    "換個處們經領導負責讓煩與轉給請聯繫係談說電話闆專員別幫對辦來級門務見還搵哋傾畀唔冇嘅睇絡過講覆",
    "换个处们经领导负责让烦与转给请联系系谈说电话板专员别帮对办来级门务见还找们谈给不没的看络过讲复",
)
_ZH_MODAL = r"(?:要|想|需要|希望|要求|请|麻烦|能|可以|能否|帮我|给我|赶紧|马上|立刻)"
_ZH_WHO = r"(?:你们|您们|您|你|我|我们|贵司|贵公司)?"
_ZH_BOSS = r"(?:主管|经理|领导|上级|上司|负责人|老板)"
_ZH_OTHER = (
    r"(?:其他人|别人|别的人|另一个人|另外的人|其他客服|别的客服|其他同事|别的同事"
    r"|第二个人|第二位|第二个同事|第二个客服)"  # Cantonese 第二個: another
)
_ZH_STAFF = r"(?:处理人|经办人|承办人|负责人|对接人|跟进人|客服|专员|工作人员|人员|同事|窗口)"
_ZH_ON_ITS_OWN = (
    # change the handler: 换个处理人, 换人处理, 换个人吧 (not 换个人信息: personal details)
    r"(?:换|更换|调换)(?:一个|一位|一下|个|位)?"
    rf"(?:{_ZH_STAFF}|人(?=来|处理|负责|跟进|跟|看|接手|吧|啊|啦|$))"
    # reach a manager or someone else: 找你们主管, 让别人处理, 转给经理, 叫你哋主管 (not
    # 找经理也没用, 搵過經理都冇用)
    r"|(?:找|让|叫|转给|转交|转到|转)过?(?:你们|您们|贵公司|贵司)?的?"
    rf"(?:{_ZH_BOSS}|{_ZH_OTHER})(?!也|都|没|不)"
)
_ZH_AFTER_MODAL = (
    # speak with one: 我要跟主管谈 (without the modal, 跟经理说过了 is a report)
    rf"(?:和|跟|与|同)(?:你们|您们)?的?(?:{_ZH_BOSS}|{_ZH_OTHER})"
    # ask for one: 我要别的客服, 要你们主管处理
    rf"|(?:一个|个|一位)?(?:别的|其他|另外的?|另一个|另一位|第二个|第二位){_ZH_STAFF}"
    rf"|{_ZH_BOSS}(?:来|亲自)?(?:跟我|和我|与我|同我)?(?:处理|联系|联络|回复|回电|复我|给我|打给我"
    r"|打返给我|打电话给我|跟进|接手)"
)
_ZH_REQUESTS = re.compile(
    rf"^{_ZH_WHO}(?:{_ZH_ON_ITS_OWN})|{_ZH_MODAL}{_ZH_WHO}(?:{_ZH_ON_ITS_OWN}|{_ZH_AFTER_MODAL})"
)
_A_NOT_A = re.compile(r"(.)不\1")
_ZH_NEGATION = re.compile(r"(?:不|别|没|无需|甭)[^不别没]{0,3}$")


def asks_for_handler(text: str) -> bool:
    """The customer's request for someone else: a command at the start of any message, or the
    request phrased naturally in a short one (see the module's docstring)."""
    folded = fold(text)
    if _COMMAND.match(folded):
        return True
    if len(FoldedText.of(text).words) + cjk_count(text) / 2 > SHORT_WORDS:
        return False
    if _SLASH.search(folded):
        return True
    for cantonese, mandarin in _CANTONESE:
        folded = folded.replace(cantonese, mandarin)
    simplified = re.sub(r"\s+", "", folded.translate(_SIMPLIFIED))
    simplified = _A_NOT_A.sub(r"\1", simplified)  # 能不能, 可不可以: a question, not a "no"
    for clause in _CLAUSES.split(simplified):
        found = _ZH_REQUESTS.search(clause)
        if found and not _ZH_NEGATION.search(clause[: found.start()]):
            return True
    latin = re.sub(r"['’`´]", "", folded)
    for clause in _CLAUSES.split(latin):
        clause = " ".join(clause.split())
        for pattern in _LATIN_REQUESTS:
            found = pattern.search(clause)
            before = " ".join(clause[: found.start()].split()[-3:]) if found else ""
            if found and not _LATIN_NEGATION.search(before):
                return True
    return False


def hand_to_senior(
    session: Session, notifier: Notifier, complaint: Complaint, now: datetime
) -> str | None:
    """Record the request (event and tag), reassign to a senior agent of the complaint's
    department (not the current handler) and tell the supervisor; return the senior's name, or
    None when there is none (the supervisor is told that too, when there is one).

    The reassignment is a compare-and-set, as staff's change of handler is, made before
    anything else is written: when an agent took the complaint, or changed its status, since
    this transaction read it, nothing is written and `ChangedMeanwhile` makes intake run again
    on what the complaint is now (`Database.write`'s retry_on_conflict), so the customer's
    request is neither lost nor carried out on what it no longer is."""
    seniors = [
        agent
        for agent in senior_agents(session)
        if agent.name != complaint.assignee
        and (not agent.departments or complaint.department in agent.departments)
    ]
    handler, status = complaint.assignee or "", complaint.status
    senior = seniors[0].name if seniors else ""
    if senior and not set_if_unchanged(
        session, complaint, {"assignee": (handler, senior), "status": (status, status)}
    ):
        raise changed_meanwhile(session, complaint)
    _record_request(session, complaint, senior, now)
    previous = handler
    if not senior:
        notifier.tell_supervisor(
            session,
            complaint,
            "no_senior" if previous else "no_senior_unassigned",
            now,
            department=complaint.department,
            previous=previous,
        )
        return None
    queries.add_event(
        session,
        complaint.id or 0,
        now,
        "customer",
        "handler_changed",
        {"from": handler, "to": senior},
    )
    if complaint.status not in OPEN_WORK:
        queries.change_status(
            session, complaint, "assigned", "customer", "asked for another handler", now
        )
    notifier.tell_supervisor(
        session,
        complaint,
        "handler_changed" if previous else "handler_taken",
        now,
        senior=senior,
        previous=previous,
    )
    return senior


def _record_request(session: Session, complaint: Complaint, senior: str, now: datetime) -> None:
    """The request on the timeline (with the senior agent who takes over, if any) and in the
    complaint's tags, once however often it is asked."""
    detail = {"to": senior} if senior else {}
    queries.add_event(session, complaint.id or 0, now, "customer", "handler_requested", detail)
    tags = list(complaint.tags or [])
    if TAG not in tags:
        complaint.tags = [*tags, TAG]
