"""Routing: grade, category, department and language for a complaint, with the reasons why."""

from router.decide import (
    HISTORY_WINDOW,
    NEEDS_TRIAGE,
    CustomerHistory,
    Decision,
    ServiceLevel,
    TraceStep,
    route,
)
from router.input import RoutingInput
from router.rules import GRADES, RuleSet, load_rule_set, raised

__all__ = [
    "GRADES",
    "HISTORY_WINDOW",
    "NEEDS_TRIAGE",
    "CustomerHistory",
    "Decision",
    "RoutingInput",
    "RuleSet",
    "ServiceLevel",
    "TraceStep",
    "load_rule_set",
    "raised",
    "route",
]
