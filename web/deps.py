"""The services a route may ask for, as `Annotated` dependencies.

A route names what it uses in its signature (`desk: AgentDeskDep`, `book: RuleBookDep`), so
what it touches is visible at a glance and a test could override one dependency alone. Each
provider reads the one `Services` value `bot.py` stored at `app.state.services`; services built
per request (privacy, reports) hold nothing between requests.

Code that runs outside FastAPI's dependency injection (exception handlers, helpers called with
the request) uses `services_of(request)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from admin.accounts import Accounts
from admin.audit import AuditLog
from admin.privacy import Privacy
from admin.reports import Reports
from admin.rule_book import RuleBook
from admin.triage import Triage
from complaints.clock import Clock
from config import Settings
from intake.dead_letters import DeadLetters, Reprocess
from staff.actions import AgentDesk
from staff.canned_replies import CannedReplies
from staff.merge import Duplicates
from staff.solutions import Solutions
from store.database import Database
from web.services import Services


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


# Providers are `async def` so FastAPI calls them on the loop, not in its thread pool.


async def _services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(_services)]


async def _settings(services: ServicesDep) -> Settings:
    return services.settings


async def _clock(services: ServicesDep) -> Clock:
    return services.clock


async def _database(services: ServicesDep) -> Database:
    return services.database


async def _rule_book(services: ServicesDep) -> RuleBook:
    return services.rule_book


async def _triage(services: ServicesDep) -> Triage:
    return services.triage


async def _accounts(services: ServicesDep) -> Accounts:
    return services.accounts


async def _agent_desk(services: ServicesDep) -> AgentDesk:
    return services.agents


async def _solutions(services: ServicesDep) -> Solutions:
    return services.solutions


async def _canned_replies(services: ServicesDep) -> CannedReplies:
    return services.canned


async def _privacy(services: ServicesDep) -> Privacy:
    return Privacy(services.database, services.clock)


async def _audit_log(services: ServicesDep) -> AuditLog:
    return AuditLog(services.database)


async def _reports(services: ServicesDep) -> Reports:
    return Reports(services.database, services.clock, services.settings.timezone)


async def _duplicates(services: ServicesDep) -> Duplicates:
    return services.duplicates


async def _dead_letters(services: ServicesDep) -> DeadLetters:
    return services.dead_letters


async def _reprocessors(services: ServicesDep) -> Mapping[str, Reprocess]:
    return services.reprocessors


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
DatabaseDep = Annotated[Database, Depends(_database)]
RuleBookDep = Annotated[RuleBook, Depends(_rule_book)]
TriageDep = Annotated[Triage, Depends(_triage)]
AccountsDep = Annotated[Accounts, Depends(_accounts)]
AgentDeskDep = Annotated[AgentDesk, Depends(_agent_desk)]
SolutionsDep = Annotated[Solutions, Depends(_solutions)]
CannedRepliesDep = Annotated[CannedReplies, Depends(_canned_replies)]
PrivacyDep = Annotated[Privacy, Depends(_privacy)]
ReportsDep = Annotated[Reports, Depends(_reports)]
AuditLogDep = Annotated[AuditLog, Depends(_audit_log)]
DuplicatesDep = Annotated[Duplicates, Depends(_duplicates)]
DeadLettersDep = Annotated[DeadLetters, Depends(_dead_letters)]
ReprocessorsDep = Annotated[Mapping[str, Reprocess], Depends(_reprocessors)]
"""Per channel name, how that channel's dead letters are run through intake again."""
