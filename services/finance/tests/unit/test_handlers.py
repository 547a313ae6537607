"""Every event finance reacts to has a handler, on one consumer (stream order)."""

from __future__ import annotations

from finance.handlers import SUBSCRIPTIONS
from servelo_common.events import subject_for


def test_one_consumer_takes_every_event_finance_reacts_to() -> None:
    assert len(SUBSCRIPTIONS) == 1
    assert set(SUBSCRIPTIONS[0].events) == {
        subject_for("crm", t)
        for t in ("customer-created", "customer-updated", "customer-deleted", "quote-accepted")
    } | {subject_for("auth", "settings-updated"), subject_for("auth", "org-deleted")}
