"""Debouncing: a burst of changes to one account becomes one rerun, once the account is quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events_fixtures import ACCOUNT_A, ACCOUNT_B

from assurance_jobs.events import Burst, ChangeEvent, bursts_from_cursor, bursts_to_cursor, debounce

T0 = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
QUIET = 120


def change(account_id: str = ACCOUNT_A, name: str = "AttachRolePolicy") -> ChangeEvent:
    return ChangeEvent(account_id, name, "iam.amazonaws.com", T0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_new_burst_waits_for_quiet() -> None:
    ready, pending = debounce([change()], T0, QUIET)
    assert ready == []
    assert [burst.account_id for burst in pending] == [ACCOUNT_A]


def test_burst_is_ready_after_quiet_seconds_without_new_events() -> None:
    _, pending = debounce([change()], T0, QUIET)
    ready, still_pending = debounce([], at(QUIET), QUIET, pending)
    assert [burst.account_id for burst in ready] == [ACCOUNT_A]
    assert still_pending == []


def test_each_new_event_restarts_the_quiet_time() -> None:
    _, pending = debounce([change()], T0, QUIET)
    _, pending = debounce([change()], at(100), QUIET, pending)
    ready, pending = debounce([], at(200), QUIET, pending)
    assert ready == []
    ready, _ = debounce([], at(220), QUIET, pending)
    assert len(ready) == 1


def test_continuous_storm_still_triggers_after_the_max_wait() -> None:
    pending: list[Burst] = []
    ready: list[Burst] = []
    for second in range(0, 601, 30):
        ready, pending = debounce([change()], at(second), QUIET, pending, max_wait_seconds=600)
        if ready:
            break
    assert second == 600
    assert ready[0].count == 21


def test_accounts_are_debounced_independently() -> None:
    _, pending = debounce([change(ACCOUNT_A)], T0, QUIET)
    _, pending = debounce([change(ACCOUNT_B)], at(60), QUIET, pending)
    ready, pending = debounce([], at(130), QUIET, pending)
    assert [burst.account_id for burst in ready] == [ACCOUNT_A]
    assert [burst.account_id for burst in pending] == [ACCOUNT_B]


def test_burst_collects_distinct_event_names_sorted_and_counts_all() -> None:
    events = [change(name="PutRolePolicy"), change(name="CreateAccessKey"), change(name="PutRolePolicy")]
    ready, _ = debounce(events, T0, 0)
    assert ready[0].event_names == ("CreateAccessKey", "PutRolePolicy")
    assert ready[0].count == 3


def test_zero_quiet_seconds_triggers_on_the_same_tick() -> None:
    ready, pending = debounce([change()], T0, 0)
    assert (len(ready), pending) == (1, [])


def test_burst_id_is_its_first_sighting_in_utc() -> None:
    _, pending = debounce([change()], T0, QUIET)
    _, pending = debounce([change()], at(90), QUIET, pending)
    assert pending[0].burst_id == "20260314T100000Z"


def test_pending_bursts_round_trip_through_the_cursor() -> None:
    _, pending = debounce([change(ACCOUNT_A, "CreateAccessKey"), change(ACCOUNT_B)], T0, QUIET)
    restored, warning = bursts_from_cursor(bursts_to_cursor(pending))
    assert (restored, warning) == (pending, None)


def test_no_cursor_means_nothing_pending() -> None:
    assert bursts_from_cursor(None) == ([], None)


def test_corrupt_cursor_starts_afresh_with_a_warning() -> None:
    bursts, warning = bursts_from_cursor('{"version": 1, "pending": [{"account_id": "1"}]}')
    assert bursts == []
    assert warning is not None and "unreadable cursor" in warning


def test_cursor_of_another_version_is_dropped_with_a_warning() -> None:
    bursts, warning = bursts_from_cursor('{"version": 99, "pending": []}')
    assert bursts == []
    assert warning is not None and "version" in warning
