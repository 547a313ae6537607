"""The quote lifecycle: draft -> sent -> accepted / declined, and what it refuses."""

from datetime import UTC, date, datetime

import pytest
from crm.domain import Quote, QuoteStatus, TransitionRefused

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
S = QuoteStatus


def quote(status: QuoteStatus, valid_until: date | None = None) -> Quote:
    return Quote(status=status, number=7, valid_until=valid_until)


@pytest.mark.parametrize(
    ("start", "to", "stamp"),
    [
        (S.DRAFT, S.SENT, "sent_at"),
        (S.SENT, S.ACCEPTED, "accepted_at"),
        (S.SENT, S.DECLINED, "declined_at"),
    ],
)
def test_allowed_transition_sets_its_timestamp(start: S, to: S, stamp: str) -> None:
    change = quote(start).transition(to, now=NOW)
    assert change is not None
    assert change.status is to
    assert getattr(change, stamp) == NOW


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.DRAFT, S.ACCEPTED),
        (S.DRAFT, S.DECLINED),
        (S.SENT, S.DRAFT),
        (S.ACCEPTED, S.DRAFT),
        (S.ACCEPTED, S.SENT),
        (S.ACCEPTED, S.DECLINED),
        (S.DECLINED, S.ACCEPTED),
        (S.DECLINED, S.SENT),
        (S.DECLINED, S.DRAFT),
    ],
)
def test_refused_transition_names_both_states(start: S, to: S) -> None:
    with pytest.raises(TransitionRefused, match=f"is {start} and cannot become {to}"):
        quote(start).transition(to, now=NOW)


def test_same_status_is_no_change() -> None:
    assert quote(S.SENT).transition(S.SENT, now=NOW) is None


def test_expired_quote_cannot_be_accepted() -> None:
    with pytest.raises(TransitionRefused, match="expired on 2024-02-29"):
        quote(S.SENT, date(2024, 2, 29)).transition(S.ACCEPTED, now=NOW)


def test_quote_valid_until_today_can_be_accepted() -> None:
    change = quote(S.SENT, date(2024, 3, 1)).transition(S.ACCEPTED, now=NOW)
    assert change is not None and change.accepted_at == NOW


def test_expired_quote_can_still_be_declined() -> None:
    change = quote(S.SENT, date(2024, 1, 1)).transition(S.DECLINED, now=NOW)
    assert change is not None and change.status is S.DECLINED


@pytest.mark.parametrize("status", [S.DRAFT, S.SENT])
def test_draft_and_sent_quotes_can_be_mailed(status: S) -> None:
    change = quote(status).send(now=NOW)
    assert (change.status, change.sent_at) == (S.SENT, NOW)


@pytest.mark.parametrize("status", [S.ACCEPTED, S.DECLINED])
def test_decided_quotes_cannot_be_mailed(status: S) -> None:
    with pytest.raises(TransitionRefused, match="can no longer be sent"):
        quote(status).send(now=NOW)


def test_only_drafts_are_editable() -> None:
    quote(S.DRAFT).ensure_editable()
    for status in (S.SENT, S.ACCEPTED, S.DECLINED):
        with pytest.raises(TransitionRefused, match="only draft quotes can be edited"):
            quote(status).ensure_editable()
