"""The status workflow: every allowed step, and refusals that say what is allowed instead."""

from __future__ import annotations

import pytest

from complaints.errors import IllegalTransition
from complaints.workflow import ALLOWED, STATUSES, check

ALLOWED_STEPS = [
    ("new", "acknowledged"),
    ("acknowledged", "assigned"),
    ("assigned", "investigating"),
    ("investigating", "solution_proposed"),
    ("solution_proposed", "awaiting_customer"),
    ("awaiting_customer", "resolved"),
    ("resolved", "closed"),
    ("resolved", "reopened"),
    ("closed", "reopened"),
    ("reopened", "assigned"),
    ("acknowledged", "rejected"),
    ("rejected", "reopened"),
    ("assigned", "resolved"),
]
ILLEGAL_STEPS = [
    ("new", "resolved"),
    ("new", "closed"),
    ("acknowledged", "resolved"),
    ("closed", "resolved"),
    ("resolved", "assigned"),
    ("rejected", "resolved"),
    ("solution_proposed", "rejected"),
    ("closed", "new"),
]


@pytest.mark.parametrize(
    ("current", "target"), ALLOWED_STEPS, ids=[f"{a}->{b}" for a, b in ALLOWED_STEPS]
)
def test_the_seed_flow_is_allowed(current: str, target: str) -> None:
    check(current, target)


@pytest.mark.parametrize(
    ("current", "target"), ILLEGAL_STEPS, ids=[f"{a}->{b}" for a, b in ILLEGAL_STEPS]
)
def test_an_illegal_step_is_refused_with_what_is_allowed(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        check(current, target)
    assert f"a complaint that is {current} cannot become {target}" in str(refused.value)
    for allowed in ALLOWED[current]:
        assert allowed in str(refused.value)


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="unknown status 'done'"):
        check("new", "done")


def test_every_status_can_be_reached_and_only_merged_is_final() -> None:
    reachable = {target for targets in ALLOWED.values() for target in targets}
    assert reachable == set(STATUSES) - {"new"}
    assert [status for status in STATUSES if not ALLOWED[status]] == ["merged"]
