"""Slowing down password guessing on the console login.

Failed logins are counted per account name (known or not, so a lock tells nothing about which
names exist) and per client address. Past a few free failures each further one locks that key
for a delay that doubles, up to a cap: short for an account (an attacker spread over many
addresses can keep a real user out for at most `ACCOUNT.cap` at a time), longer for an address
(that is the attacker's own). While locked a login is refused without looking at the password,
and refused tries do not extend the lock. A success clears the account's count; an address's
count is forgotten after `FORGET_AFTER` without failures. Lockouts are logged without the
name or the address.

The counts live in memory: a restart forgets them, and each instance counts its own logins.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from complaints.clock import Clock

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(hours=1)
"""A key's failures are forgotten after this long without another failure."""
MAX_KEYS = 10_000
"""Beyond this many remembered keys, the forgettable ones are dropped (names are free to
invent, so the table must not grow without bound)."""


@dataclass(frozen=True)
class Policy:
    kind: str
    free: int
    """Failures allowed before the first lock."""
    first: timedelta
    cap: timedelta


ACCOUNT = Policy("account", free=5, first=timedelta(seconds=30), cap=timedelta(minutes=5))
ADDRESS = Policy("client address", free=20, first=timedelta(minutes=1), cap=timedelta(minutes=30))


@dataclass
class _Count:
    failures: int = 0
    last: datetime | None = None
    locked_until: datetime | None = None


class LoginThrottle:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._counts: dict[tuple[str, str], _Count] = {}

    def wait(self, name: str, address: str) -> timedelta:
        """How long logins for `name` from `address` are still refused (zero: not locked)."""
        now = self.clock.now()
        waits = [timedelta(0)]
        for key in self._keys(name, address):
            count = self._counts.get(key)
            if count is not None and count.locked_until is not None and count.locked_until > now:
                waits.append(count.locked_until - now)
        return max(waits)

    def failed(self, name: str, address: str) -> None:
        now = self.clock.now()
        for key, policy in zip(self._keys(name, address), (ACCOUNT, ADDRESS), strict=True):
            count = self._counts.setdefault(key, _Count())
            if count.last is not None and now - count.last > FORGET_AFTER:
                count.failures, count.locked_until = 0, None
            count.failures += 1
            count.last = now
            beyond = count.failures - policy.free
            if beyond > 0:
                delay = min(policy.first * 2 ** min(beyond - 1, 20), policy.cap)
                count.locked_until = now + delay
                log.warning(
                    "console login locked for one %s for %d s after %d failed attempts",
                    policy.kind,
                    delay.total_seconds(),
                    count.failures,
                )
        self._prune(now)

    def succeeded(self, name: str) -> None:
        self._counts.pop(("account", _normal(name)), None)

    def _keys(self, name: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("account", _normal(name)), ("address", address)

    def _prune(self, now: datetime) -> None:
        if len(self._counts) <= MAX_KEYS:
            return
        for key, count in list(self._counts.items()):
            locked = count.locked_until is not None and count.locked_until > now
            if not locked and (count.last is None or now - count.last > FORGET_AFTER / 4):
                del self._counts[key]


def _normal(name: str) -> str:
    return name.strip().casefold()
