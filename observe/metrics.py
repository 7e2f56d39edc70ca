"""The bot's Prometheus metrics: every metric is declared here, and counted at the one place
where its event happens (intake, the outbox dispatcher, the sweeps, the login).

Each app builds its own `Metrics`, on its own `CollectorRegistry` rather than the process-wide
default: tests build many apps in one process, and the store gauges read one app's database,
so a shared registry would refuse the second app's metrics (duplicate names) or mix counts.

Label values are fixed words of the bot (channel names, outcomes, kinds, statuses, grades,
sweep names), never anything a person wrote or an address: a label is kept by Prometheus
for weeks and read by anyone with the dashboards.

The store gauges (complaints by status and grade, the outbox backlog) are computed when
/metrics is scraped: the route reads `StoreFigures` from the store and renders them together
with the counters (`render`), so no background task keeps them and they are never stale.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The classic text exposition format, which every Prometheus version reads."""

PREFIX = "complaint_bot_"


@dataclass(frozen=True)
class StoreFigures:
    """What the store says at scrape time (store/queries/metrics.py reads it)."""

    complaints: Mapping[tuple[str, str], int] = field(default_factory=dict)
    """(status, grade) → how many complaints."""
    pending: Mapping[str, int] = field(default_factory=dict)
    """Channel → outbox items not yet delivered."""
    oldest_pending_seconds: Mapping[str, float] = field(default_factory=dict)
    """Channel → age of its oldest undelivered item."""


class _StoreGauges:
    """A custom collector: gauges made from the figures of the scrape being rendered."""

    def __init__(self) -> None:
        self.figures = StoreFigures()

    def describe(self) -> list[Metric]:
        return list(self._families(StoreFigures()))

    def collect(self) -> Iterator[Metric]:
        return self._families(self.figures)

    @staticmethod
    def _families(figures: StoreFigures) -> Iterator[Metric]:
        complaints = GaugeMetricFamily(
            PREFIX + "complaints",
            "Complaints in the store, by status and grade.",
            labels=["status", "grade"],
        )
        for (status, grade), count in sorted(figures.complaints.items()):
            complaints.add_metric([status, grade], count)
        yield complaints
        pending = GaugeMetricFamily(
            PREFIX + "outbox_pending",
            "Outbox items not yet delivered (waiting, or retrying), by channel.",
            labels=["channel"],
        )
        for channel, count in sorted(figures.pending.items()):
            pending.add_metric([channel], count)
        yield pending
        oldest = GaugeMetricFamily(
            PREFIX + "outbox_oldest_pending_seconds",
            "Age of the oldest undelivered outbox item, by channel.",
            labels=["channel"],
        )
        for channel, seconds in sorted(figures.oldest_pending_seconds.items()):
            oldest.add_metric([channel], seconds)
        yield oldest


SWEEP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """One app's metrics. Services are handed this and count on it; the /metrics route renders
    it. The attributes are prometheus_client metrics: `.labels(...).inc()`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.messages_received = Counter(
            PREFIX + "messages_received",
            "Customer messages that reached intake, by channel and outcome: new, follow_up, "
            "duplicate (a redelivery, answered from what was stored), refused (bad input, "
            "told to the sender), ignored (machine mail about no complaint), failed.",
            ["channel", "outcome"],
            registry=registry,
        )
        self.dead_letters = Counter(
            PREFIX + "dead_letters",
            "Input kept as a dead letter for an admin to look at, by channel and status.",
            ["channel", "status"],
            registry=registry,
        )
        self.acknowledgements_sent = Counter(
            PREFIX + "acknowledgements_sent",
            "Acknowledgements of new complaints sent, by channel and how: in the response "
            "(the webhook answer) or by the outbox.",
            ["channel", "via"],
            registry=registry,
        )
        self.deliveries = Counter(
            PREFIX + "deliveries",
            "Outbox send attempts, by channel, kind and result: sent, retry (a later attempt "
            "is planned) or failed (given up).",
            ["channel", "kind", "result"],
            registry=registry,
        )
        self.sweep_seconds = Histogram(
            PREFIX + "sweep_duration_seconds",
            "How long one run of a sweep took (all its batches), by sweep.",
            ["sweep"],
            buckets=SWEEP_BUCKETS,
            registry=registry,
        )
        self.sweep_rows = Counter(
            PREFIX + "sweep_rows",
            "Complaints a sweep handled, by sweep.",
            ["sweep"],
            registry=registry,
        )
        self.sla_breaches = Counter(
            PREFIX + "sla_breaches",
            "Missed deadlines (each one escalates), by deadline (first_response, resolution) "
            "and the grade the complaint had when it missed it.",
            ["deadline", "grade"],
            registry=registry,
        )
        self.login_refusals = Counter(
            PREFIX + "login_refusals",
            "Console logins refused, by reason: wrong_credentials or throttled.",
            ["reason"],
            registry=registry,
        )
        self._store = _StoreGauges()
        registry.register(self._store)
        self._rendering = threading.Lock()

    def render(self, figures: StoreFigures) -> bytes:
        """The exposition of every metric, the store gauges showing `figures`. Serialised, so
        two scrapes at once each show their own figures."""
        with self._rendering:
            self._store.figures = figures
            return generate_latest(self.registry)
