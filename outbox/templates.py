"""Texts the bot writes to customers, from template files an admin can edit.

`<kind>/<language>.txt` is the default text of a kind; `<kind>/<department>/<language>.txt`, when
present, is used for that department instead. The bot ships a complete set in
`outbox/default_templates/` (package data), so it runs from any folder; `[templates] dir` names a
folder whose files replace the shipped ones file by file, so an admin copies only the texts they
change and still gets the shipped ones (and any added in later versions) for the rest.

Every template in use is rendered once at start, so a broken one stops the bot there rather than
failing a customer's complaint later; a file in the configured folder that the bot would never
use (a misspelt kind or language) is refused too, since it would otherwise be silently ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import CodeType

import jinja2

from complaints.errors import TemplateProblem
from complaints.languages import SUPPORTED
from complaints.names import addressee
from outbox.next_step import Standing
from outbox.settings import CustomerZones, in_language
from outbox.zones import zone_name
from router import GRADES, RuleSet

KINDS = ("acknowledgement", "followup")

SHIPPED = Path(__file__).parent / "default_templates"
"""The complete set the bot ships, used for every file `[templates] dir` does not replace."""

GRADE_NAMES: Mapping[str, Mapping[str, str]] = {
    "en": {"general": "general", "important": "important", "urgent": "urgent"},
    "es": {"general": "general", "important": "importante", "urgent": "urgente"},
    "zh-Hans": {"general": "一般", "important": "重要", "urgent": "紧急"},
    "zh-Hant": {"general": "一般", "important": "重要", "urgent": "緊急"},
}

_DUE_FORMATS = {
    "en": "%d %b %Y %H:%M ({zone})",
    "es": "%d/%m/%Y a las %H:%M ({zone})",
    "zh-Hans": "{year}年{month}月{day}日 %H:%M（{zone}）",
    "zh-Hant": "{year}年{month}月{day}日 %H:%M（{zone}）",
}


_SAMPLE_STANDING = Standing("being investigated", ", handled by Ana", "We aim to resolve it soon.")
"""What the start-up check renders a follow-up with: every piece present."""


class _CompiledTemplates(jinja2.BytecodeCache):
    """The code jinja compiled of every template file this process read, by name, file and
    source checksum (jinja itself rejects code of another source). Each start's `Replies` still
    reads the files (an edit takes effect at the next start) but compiles only a file changed
    since: compiling them was ~10 ms of every start. Every `Replies` environment is made with
    the same options, so their code is interchangeable; code objects are immutable."""

    KEPT = 512
    """Templates kept at most (a test run reads many folders); the oldest go first."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, CodeType]] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.code is None:
            return
        with self._lock:
            self._code.pop(bucket.key, None)
            while len(self._code) >= self.KEPT:
                self._code.pop(next(iter(self._code)))
            self._code[bucket.key] = (bucket.checksum, bucket.code)


_COMPILED = _CompiledTemplates()


@dataclass(frozen=True)
class ReplyContext:
    number: str
    customer_name: str
    language: str
    department: str
    category: str
    grade: str
    first_response_due: datetime
    channel: str = ""
    """The channel the customer wrote on (`email`, `telegram`, `webhook`): a text may say what
    only that channel offers, such as Telegram's /handler command."""
    not_kept: str = ""
    """The sentence naming attachments not kept (over `[intake]` limits), or "" (intake)."""
    standing: Standing | None = None
    """Where the complaint a follow-up joined stands (`{{ status }}`, `{{ owner }}`,
    `{{ next_step }}`, the pieces of the progress update); None for a new complaint, whose
    template gets them empty."""


class Replies:
    def __init__(
        self,
        directory: Path | None,
        rules: Callable[[], RuleSet],
        zones: CustomerZones,
        company: str,
    ) -> None:
        """`directory` holds the admin's replacements (None: the shipped templates only);
        `rules()` gives the rule set in force now: department and category names follow what an
        admin publishes."""
        self.directory = directory
        self.rules = rules
        self.zones = zones
        self.company = company
        shipped = jinja2.FileSystemLoader(SHIPPED)
        own = jinja2.FileSystemLoader(directory) if directory is not None else None
        loader = jinja2.ChoiceLoader([own, shipped]) if own is not None else shipped
        # Templates are read once, like settings: an edit takes effect at the next start, and
        # no file is looked at while a complaint is being recorded.
        self.environment = jinja2.Environment(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # noqa: S701  (plain-text messages, never HTML)
            keep_trailing_newline=False,
            auto_reload=False,
            bytecode_cache=_COMPILED,
        )
        self.available = frozenset(loader.list_templates())
        self.replaced = frozenset(own.list_templates() if own is not None else ())
        """The names of the files the configured folder replaces or adds."""

    def check(self, sample_due: datetime) -> None:
        """Render every kind in every language (and department override) once, or raise."""
        self._refuse_unused()
        rules = self.rules()
        for kind in KINDS:
            for language in SUPPORTED:
                for department in (None, *rules.departments):
                    name = self._name(kind, department, language)
                    if department is not None and name not in self.available:
                        continue
                    context = ReplyContext(
                        "C-2000-000001",
                        "Ana",
                        language,
                        department or next(iter(rules.departments)),
                        rules.default_category,
                        GRADES[0],
                        sample_due,
                        standing=_SAMPLE_STANDING if kind == "followup" else None,
                    )
                    self.render(kind, context)

    def render(self, kind: str, context: ReplyContext) -> str:
        override = self._name(kind, context.department, context.language)
        name = override if override in self.available else self._name(kind, None, context.language)
        rules = self.rules()
        stands = context.standing or Standing("", "", "")
        try:
            template = self.environment.get_template(name)
            return (
                template.render(
                    number=context.number,
                    customer_name=addressee(context.customer_name),
                    company=in_language(self.company, context.language),
                    department=rules.departments[context.department].names.get(
                        context.language, context.department
                    ),
                    category=rules.categories[context.category].names.get(
                        context.language, context.category
                    ),
                    grade=GRADE_NAMES[context.language][context.grade],
                    first_response_due=self.format_due(
                        context.first_response_due, context.language
                    ),
                    channel=context.channel,
                    not_kept=context.not_kept,
                    status=stands.status,
                    owner=stands.owner,
                    next_step=stands.next,
                ).strip()
                + "\n"
            )
        except jinja2.TemplateNotFound:
            raise TemplateProblem(
                f"{self.file(name)}: template missing; every kind ({', '.join(KINDS)}) "
                f"needs a file per language ({', '.join(SUPPORTED)})"
            ) from None
        except jinja2.TemplateError as error:
            line = getattr(error, "lineno", None)
            where = f"{self.file(name)}{f':{line}' if line else ''}"
            raise TemplateProblem(f"{where}: {error}") from None

    def file(self, name: str) -> Path:
        """Where the template `name` is read from: the configured folder's, else the shipped."""
        if self.directory is not None and name in self.replaced:
            return self.directory / name
        return SHIPPED / name

    def _refuse_unused(self) -> None:
        """Other files (a README, an editor's backup) may sit beside the templates."""
        for name in sorted(n for n in self.replaced if n.endswith(".txt")):
            parts = name.split("/")
            language = parts[-1].removesuffix(".txt")
            if len(parts) not in (2, 3) or parts[0] not in KINDS or language not in SUPPORTED:
                raise TemplateProblem(
                    f"{self.file(name)}: not a reply template the bot uses; name it "
                    f"<kind>/<language>.txt or <kind>/<department>/<language>.txt, kind one of "
                    f"{', '.join(KINDS)}, language one of {', '.join(SUPPORTED)}"
                )

    def format_due(self, due: datetime, language: str) -> str:
        local = due.astimezone(self.zones.of(language))
        # Chinese writes the month and day without a leading zero (2026年3月2日), which
        # strftime cannot say portably
        return local.strftime(
            _DUE_FORMATS[language].format(
                zone=zone_name(local, language), year=local.year, month=local.month, day=local.day
            )
        )

    @staticmethod
    def _name(kind: str, department: str | None, language: str) -> str:
        return f"{kind}/{department}/{language}.txt" if department else f"{kind}/{language}.txt"
