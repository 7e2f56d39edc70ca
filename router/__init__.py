"""Routing: grade, category, department and language for a complaint, with the reasons why."""

from router.decide import CustomerHistory, Decision, ServiceLevel, TraceStep, route
from router.rules import GRADES, RuleSet, load_rule_set, raised

__all__ = [
    "GRADES",
    "CustomerHistory",
    "Decision",
    "RuleSet",
    "ServiceLevel",
    "TraceStep",
    "load_rule_set",
    "raised",
    "route",
]
