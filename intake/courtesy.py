"""Whether a message to a finished complaint is a mere courtesy ("¡Muchas gracias! 😊", "thanks
a lot :)", "感謝您的幫忙"), noted without reopening the complaint, or something a person must read.

The test is a small grammar of courtesy units in the four languages (a thanks with its usual
intensifiers and "for your help" complements, an acknowledgement, a greeting or sign-off)
matched against the whole message once decoration is gone: punctuation of any script (the
Spanish opening "¡" and "¿" included), emoji and emoticons. Anything outside the grammar ("pero
sigue sin funcionar", "but it is still broken", "但是还是坏的") makes the message a real one.
A whitelist, not a blacklist of problem words, because a new problem can be worded in endless
ways while a thanks cannot; a sad face (":(", "😞") is a signal and keeps the message real.

A plainly satisfied message (`is_satisfied`: "满意", "滿意", "muy contento", "very happy",
"perfect, thanks", "问题解决了，谢谢") is the same grammar with units of satisfaction, at least
one of them: it answers a survey without a number (`intake.follow_up`) and, like a courtesy,
reopens nothing. A negation or a doubt is outside the grammar ("不满意", "not happy", "no
estoy contento", "满意？根本没修好"), so it stays a real message.
"""

from __future__ import annotations

import re
import unicodedata

from channels.base import Inbound
from router.text import fold

_EN_THANKS = (
    r"(?:(?:many|big|huge) )?(?:thanks|thank you|thank u|thankyou|thx|thnx|tks|ty|tysm|tyvm)"
)
_EN_MORE = r"(?: (?:so|very) much| a lot| a million| a bunch| kindly| again| heaps)*"
_EN_WHAT = r"(?:help|support|assistance|time|patience|reply|response|answer|update|work)"
_EN_FOR = (
    rf" for (?:everything|all|(?:all )?(?:of )?(?:your|the) (?:(?:quick|fast|kind) )?{_EN_WHAT}"
    r"|helping(?: me)?|your understanding|(?:fixing|sorting|solving|resolving) (?:it|this|that)"
    r"(?: out)?)"
)
_ENGLISH = (
    rf"{_EN_THANKS}{_EN_MORE}(?:{_EN_FOR})?{_EN_MORE}",
    r"(?:(?:very|much|greatly|really) )?appreciated",
    r"(?:i |we )?(?:really |truly )?appreciate (?:it|that|this|your help|the help)(?: a lot)?",
    r"cheers|ok|okay|okey|k|great|perfect|fine|good|nice|cool|awesome|excellent|wonderful",
    r"got it|noted|understood|all good|sounds good|will do|all (?:sorted|fixed|clear)",
    r"have a (?:nice|good|great) (?:day|weekend|evening)|(?:best |kind )?regards|best",
    r"hi|hello|bye|goodbye",
)
_ES_THANKS = r"(?:(?:muchas|muchisimas|mil|infinitas|un millon de) )?gracias"
_ES_MORE = (
    r"(?: (?:de nuevo|otra vez|nuevamente|de verdad|de antemano|igualmente|mil|a (?:usted|ustedes"
    r"|ti|todos|vosotros)))*"
)
_ES_WHAT = r"(?:ayuda|atencion|respuesta|paciencia|gestion|rapidez|amabilidad|comprension)"
_ES_FOR = (
    rf" por (?:todo|(?:toda )?(?:su|tu|la|vuestra) (?:(?:pronta|rapida|amable) )?{_ES_WHAT}"
    r"|(?:resolverlo|solucionarlo|arreglarlo|atenderme|ayudarme))"
)
_SPANISH = (
    rf"{_ES_THANKS}{_ES_MORE}(?:{_ES_FOR})?{_ES_MORE}",
    r"(?:se lo|te lo|os lo|se los|le|les) agradezco(?: mucho| muchisimo)?|muy amables?",
    r"agradecid[oa]s?|vale|de acuerdo|perfecto|genial|entendido|excelente|estupendo|listo",
    r"(?:muy )?bien|saludos|un saludo|hola|buenas|adios|hasta luego",
    r"que tengan? (?:un )?buen dia",
)
_ZH_THANKS = (
    r"(?:非常|十分|万分|萬分|真的|真是|太|衷心|特别|特別)?"
    r"(?:感谢|感謝|谢谢|謝謝|多谢|多謝|谢啦|謝啦|谢了|謝了|感恩|唔该|唔該)"
)
_ZH_WHO = r"(?:你们|您们|你們|您們|你|您|大家)?"
_ZH_FOR = (
    r"(?:(?:的|对我的|對我的)?(?:帮助|帮忙|幫助|幫忙|协助|協助|耐心|服务|服務|处理|處理|支持|解答"
    r"|回复|回覆|关心|關心))?"
)
_ZH_END = r"(?:了|啦|哦|喔|呀|哈|啊|晒)*"
_CHINESE = (
    rf"{_ZH_THANKS}{_ZH_WHO}{_ZH_FOR}{_ZH_END}",
    r"好的|好滴|好|嗯|收到了?|明白了?|知道了|了解|瞭解|没问题|沒問題|太好了|辛苦(?:你|您)?了",
    r"麻烦了|麻煩了|再见|再見|祝好|你好|您好",
)
_UNIT = "|".join(_ENGLISH + _SPANISH + _CHINESE)
COURTESY_UNITS = _UNIT
"""The courtesy words of the grammar, for other grammars of messages that say nothing new."""
_COURTESY = re.compile(rf"(?:(?:{_UNIT})(?![a-z]) ?)+")

_EN_VERY = r"(?:(?:very|really|so|quite|extremely|totally|completely|fully|super|more than) )*"
_EN_WITH = (
    r"(?: with (?:it|this|that|the (?:result|solution|service|fix|change|outcome|repair|refund)))?"
)
_ES_VERY = r"(?:(?:muy|super|bastante|totalmente|muy muy|realmente|mas que) )*"
_ES_WITH = (
    r"(?: con (?:el|la|su|vuestro|vuestra) (?:cambio|solucion|servicio|resultado|atencion|"
    r"reparacion|reembolso|gestion))?"
)
_ZH_VERY = r"(?:非常|很|十分|特别|特別|挺|超|超级|超級|蛮|蠻|相当|相當|真的|都)*"
_SATISFIED_UNITS = (
    rf"(?:(?:i am|im|i m|we are|were|i feel) )?{_EN_VERY}(?:happy|satisfied|pleased|content|"
    rf"delighted){_EN_WITH}",
    r"perfect|great|excellent|awesome|wonderful|fantastic|brilliant|good|all good(?: now)?",
    r"(?:it |everything )?works(?: now| fine| great| perfectly)*|(?:problem |issue )?(?:solved|"
    r"fixed|resolved)|(?:great|good|excellent) (?:job|work|service)|well done|love it",
    rf"(?:(?:estoy|estamos|quedo|quede) )?{_ES_VERY}(?:content[oa]s?|satisfech[oa]s?|feliz|"
    rf"felices){_ES_WITH}",
    r"perfecto|genial|excelente|estupendo|todo (?:bien|perfecto|correcto|resuelto|solucionado)"
    r"(?: ya)?|ya funciona(?: bien)?|funciona (?:bien|perfectamente)|(?:muy )?buen servicio",
    rf"(?:我|我们|我們)?(?:对|對)?(?:结果|結果|处理|處理|服务|服務)?{_ZH_VERY}(?:满意|滿意|好|棒|"
    r"开心|開心|高兴|高興)(?:了|的|啦|呀|哦)*",
    r"(?:问题|問題)?(?:已经|已經)?(?:解决|解決|好|修好|搞定)了|(?:没|沒)(?:问题|問題)了|可以了",
    rf"(?:服务|服務|处理|處理)(?:得)?{_ZH_VERY}(?:好|棒|到位|及时|及時)(?:了|的)*",
)
_SATISFIED = "|".join(_SATISFIED_UNITS)
_EITHER = rf"(?:(?:{_UNIT})|(?:{_SATISFIED}))(?![a-z]) ?"
_PLAINLY_SATISFIED = re.compile(rf"(?:{_EITHER})*(?:{_SATISFIED})(?![a-z]) ?(?:{_EITHER})*")

_SAD = re.compile(r"[:;=]['’]?-?[(\[{/\\|]|;_;")
_SAD_EMOJI = frozenset("☹🙁😞😟😠😡😢😭😤😣😖😫😩😒😔😕🤬👎💔")
_LETTER_EMOTICON = re.compile(
    r"(?<![a-z0-9])(?:[:;=8x]['’]?-?[dpb3o*]|[8b]-?\)|<3+|xd+)(?![a-z0-9])"
)
"""Emoticons with letters or digits in them (":D", ";p", "xD", "<3"); the rest are punctuation
and symbols only (":)", ":-)", "^_^") and go with them."""
_DECORATION_CATEGORIES = ("P", "S", "Mn", "Me", "Cf", "Z")
"""Punctuation and symbols of any script (emoji included), variation selectors and skin tones,
zero-width joiners and spaces."""

MAX_CHARS = 120
"""Longer messages are read by a person whatever they say."""


def is_courtesy(inbound: Inbound) -> bool:
    """A short courtesy and nothing more: to a finished complaint it is noted, not a reason to
    reopen it. A message with an attachment, a sad face, or anything besides courtesy words
    (the sender's own name aside: "Thanks, Ana") is not one."""
    text = fold(inbound.text).strip()
    if inbound.attachments or not text or len(text) > MAX_CHARS or _is_sad(text):
        return False
    words = _without_names(_undecorated(_LETTER_EMOTICON.sub(" ", text)), inbound)
    return bool(words) and _COURTESY.fullmatch(words) is not None


def is_satisfied(inbound: Inbound) -> bool:
    """A short message that says the customer is satisfied and nothing else: courtesy words
    with at least one of satisfaction (see the module's docstring). A doubt ("满意？", "happy?")
    or a sad face makes it a real message."""
    words = _words(inbound)
    return bool(words) and _PLAINLY_SATISFIED.fullmatch(words) is not None


def _words(inbound: Inbound) -> str:
    """The message's words for the grammars, or "" when it cannot be a courtesy at all."""
    text = fold(inbound.text).strip()
    if inbound.attachments or not text or len(text) > MAX_CHARS or _is_sad(text):
        return ""
    if "?" in text or "？" in text:
        return ""  # a question is for a person to read
    return _without_names(_undecorated(_LETTER_EMOTICON.sub(" ", text)), inbound)


def plain_words(inbound: Inbound) -> str:
    """The message's words for a whole-message grammar (folded, undecorated, without the
    sender's name, questions kept), or "" when it is too long or carries an attachment."""
    text = fold(inbound.text).strip()
    if inbound.attachments or not text or len(text) > MAX_CHARS:
        return ""
    return _without_names(_undecorated(_LETTER_EMOTICON.sub(" ", text)), inbound)


def _is_sad(text: str) -> bool:
    return _SAD.search(text) is not None or not _SAD_EMOJI.isdisjoint(text)


def _undecorated(text: str) -> str:
    """The words of `text` between single spaces, with no punctuation, symbol or emoji."""
    kept = (
        " " if ch.isspace() or unicodedata.category(ch).startswith(_DECORATION_CATEGORIES) else ch
        for ch in text
    )
    return " ".join("".join(kept).split())


def _without_names(words: str, inbound: Inbound) -> str:
    """`words` without the sender's own name, which e-mail replies sign with."""
    for name in _undecorated(fold(inbound.sender.display_name)).split():
        if len(name) > 1:
            words = re.sub(rf"(?<![a-z]){re.escape(name)}(?![a-z])", " ", words)
    return " ".join(words.split())
