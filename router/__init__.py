"""Routing: grade, category, department and language for a complaint, with the reasons why."""

from router.decide import CustomerHistory, Decision, ServiceLevel, TraceStep, route
from router.input import RoutingInput
from router.rules import GRADES, RuleSet, load_rule_set

__all__ = [
    "GRADES",
    "CustomerHistory",
    "Decision",
    "RoutingInput",
    "RuleSet",
    "ServiceLevel",
    "TraceStep",
    "load_rule_set",
    "route",
]
