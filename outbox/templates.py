"""Texts the bot writes to customers, from template files an admin can edit.

`templates/<kind>/<language>.txt` is the default; `templates/<kind>/<department>/<language>.txt`,
when present, is used for that department instead. Every kind must exist in every supported
language: that is checked at start, so a missing or broken template stops the bot there rather
than failing a customer's complaint later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from complaints.errors import TemplateProblem
from complaints.languages import SUPPORTED
from router import GRADES, RuleSet

KINDS = ("acknowledgement", "followup")

GRADE_NAMES: Mapping[str, Mapping[str, str]] = {
    "en": {"general": "general", "important": "important", "urgent": "urgent"},
    "es": {"general": "general", "important": "importante", "urgent": "urgente"},
    "zh-Hans": {"general": "一般", "important": "重要", "urgent": "紧急"},
    "zh-Hant": {"general": "一般", "important": "重要", "urgent": "緊急"},
}

_DUE_FORMATS = {
    "en": "%d %b %Y %H:%M ({zone})",
    "es": "%d/%m/%Y a las %H:%M ({zone})",
    "zh-Hans": "%Y年%m月%d日 %H:%M（{zone}）",
    "zh-Hant": "%Y年%m月%d日 %H:%M（{zone}）",
}


@dataclass(frozen=True)
class ReplyContext:
    number: str
    customer_name: str
    language: str
    department: str
    category: str
    grade: str
    first_response_due: datetime


class Replies:
    def __init__(
        self, directory: Path, rules: Callable[[], RuleSet], timezone: ZoneInfo, company: str
    ) -> None:
        """`rules()` gives the rule set in force now: department and category names follow
        what an admin publishes."""
        self.directory = directory
        self.rules = rules
        self.timezone = timezone
        self.company = company
        loader = jinja2.FileSystemLoader(directory)
        # Templates are read once, like settings: an edit takes effect at the next start, and
        # no file is looked at while a complaint is being recorded.
        self.environment = jinja2.Environment(
            loader=loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # noqa: S701  (plain-text messages, never HTML)
            keep_trailing_newline=False,
            auto_reload=False,
        )
        self.available = frozenset(loader.list_templates())

    def check(self, sample_due: datetime) -> None:
        """Render every kind in every language (and department override) once, or raise."""
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
                    )
                    self.render(kind, context)

    def render(self, kind: str, context: ReplyContext) -> str:
        override = self._name(kind, context.department, context.language)
        name = override if override in self.available else self._name(kind, None, context.language)
        rules = self.rules()
        try:
            template = self.environment.get_template(name)
            return (
                template.render(
                    number=context.number,
                    customer_name=context.customer_name,
                    company=self.company,
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
                ).strip()
                + "\n"
            )
        except jinja2.TemplateNotFound:
            raise TemplateProblem(
                f"{self.directory / name}: template missing; every kind ({', '.join(KINDS)}) "
                f"needs a file per language ({', '.join(SUPPORTED)})"
            ) from None
        except jinja2.TemplateError as error:
            line = getattr(error, "lineno", None)
            raise TemplateProblem(
                f"{self.directory / name}{f':{line}' if line else ''}: {error}"
            ) from None

    def format_due(self, due: datetime, language: str) -> str:
        local = due.astimezone(self.timezone)
        return local.strftime(_DUE_FORMATS[language].format(zone=local.tzname()))

    @staticmethod
    def _name(kind: str, department: str | None, language: str) -> str:
        return f"{kind}/{department}/{language}.txt" if department else f"{kind}/{language}.txt"
