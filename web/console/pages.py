"""Rendering console pages: one Jinja2 environment per language (autoescape always on, so text
a customer sent is shown as text, never run), flash messages carried across Post/Redirect/Get
in a short cookie, and the security headers every page gets."""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from admin.erasure import is_erased_address
from complaints.access import at_least
from store.models import Agent
from web.console.i18n import ENDONYMS, LOCALES, N_, Phrase, Shown, catalogs, choose, say
from web.console.rule_notes import rule_note
from web.console.wording import label, money, named, percent, size, when
from web.deps import services_of

HERE = Path(__file__).resolve().parent
FLASH_COOKIE = "console_flash"
SECURITY_HEADERS = {
    # No page needs a script, a frame or another origin: whatever slipped through escaping
    # could not run, and the console cannot be framed by another site.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class NavLink:
    label: Phrase
    href: str


NAVIGATION = (
    # (label, href, lowest role that may use the page)
    (N_("Queue"), "/console/queue", "agent"),
    (N_("Reports"), "/console/reports", "supervisor"),
    (N_("Customers"), "/console/customers", "admin"),
    (N_("Rules"), "/console/rules", "admin"),
    (N_("Accounts"), "/console/accounts", "admin"),
    (N_("Canned replies"), "/console/canned", "admin"),
    (N_("Dead letters"), "/console/dead-letters", "admin"),
)


def navigation(agent: Agent) -> list[NavLink]:
    """The console pages `agent`'s role may use, for the header."""
    return [NavLink(label, href) for label, href, role in NAVIGATION if at_least(agent, role)]


@functools.cache
def templates_for(language: str) -> Jinja2Templates:
    """One environment per language, its catalog installed (`_`, `gettext`, `ngettext` in
    templates, new style: `_("Page %(page)s", page=page)`, values escaped) and its filters
    bound to the locale. `{{ key | label("status") }}`, `{{ key | department }}` and
    `{{ key | category }}` name keys; `{{ text | say }}` translates a Phrase from the code;
    `{{ share | percent }}` writes 0.857 the locale's way ("85.7%", "85,7 %"), `{{ n | size }}`
    a number of bytes ("8.2 MB")."""
    translations = catalogs()[language]
    locale = LOCALES[language]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]

    @jinja2.pass_context
    def say_filter(context: jinja2.runtime.Context, text: Shown) -> str:
        rules = context.get("rules")
        if rules is None:
            return say(translations, text)
        return say(translations, text, lambda kind, key: named(rules, kind, key, language))

    @jinja2.pass_context
    def department(context: jinja2.runtime.Context, key: str) -> str:
        return named(context["rules"], "department", key, language)

    @jinja2.pass_context
    def category(context: jinja2.runtime.Context, key: str) -> str:
        return named(context["rules"], "category", key, language)

    environment.filters.update(
        when=functools.partial(when, locale=locale),
        money=lambda cents, currency="": money(cents, currency, locale),
        percent=lambda share: percent(share, locale),
        size=lambda count: size(count, locale),
        say=say_filter,
        label=lambda key, kind: say(translations, label(kind, key)),
        address=lambda text: say(translations, N_("[erased]")) if is_erased_address(text) else text,
        rule_note=lambda note: say(translations, rule_note(note)),
        department=department,
        category=category,
        sentence=sentence,
    )
    return Jinja2Templates(env=environment)


def sentence(text: str) -> str:
    """`text` as a sentence standing alone (a flash, a refusal page): the services write their
    refusals to be embedded ("nothing was changed: …"), so they start in lower case."""
    return text[:1].upper() + text[1:]


def language_of(request: Request, agent: Agent | None) -> str:
    """The language this request is answered in (see web.console.i18n)."""
    default = services_of(request).settings.default_language
    own = agent.language if agent is not None else ""
    return choose(own, request.headers.get("accept-language", ""), default)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    agent: Agent | None = None,
    csrf: str = "",
    status: int = 200,
) -> HTMLResponse:
    """A page in the reader's language with the base template's context: who is logged in,
    their navigation, their CSRF token for forms, the flash message left by the previous
    action (shown once), the language (`language`, for `<html lang>`), and the rule set in
    force (`rules`, for naming departments and categories)."""
    flash = read_flash(request)
    language = language_of(request, agent)
    response = templates_for(language).TemplateResponse(
        request,
        template,
        {
            "agent": agent,
            "csrf": csrf,
            "nav": navigation(agent) if agent is not None else [],
            "flash": flash,
            "language": language,
            "console_languages": ENDONYMS,
            "rules": services_of(request).rule_book.current,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **(context or {}),
        },
        status_code=status,
        headers=SECURITY_HEADERS,
    )
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/console")
    return response


def redirect(url: str, flash: tuple[str, Shown] | None = None) -> RedirectResponse:
    """303 See Other to `url` (Post/Redirect/Get), leaving `flash` = (kind, text) for it;
    kind is "ok" or "error". A Phrase travels untranslated (its English text and values) and
    is translated by the page that shows it."""
    response = RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)
    if flash is not None:
        kind, text = flash
        phrase = text if isinstance(text, Phrase) else Phrase(text)
        carried = [kind, phrase.carried()]
        encoded = base64.urlsafe_b64encode(json.dumps(carried).encode()).decode()
        response.set_cookie(
            FLASH_COOKIE, encoded, max_age=60, path="/console", httponly=True, samesite="lax"
        )
    return response


def read_flash(request: Request) -> tuple[str, Phrase] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        kind, carried = json.loads(base64.urlsafe_b64decode(raw.encode()))
        phrase = Phrase.of(carried)
    except (ValueError, TypeError, RecursionError):  # not ours: ignore it
        return None
    return ("error" if kind == "error" else "ok", phrase)
