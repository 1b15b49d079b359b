"""Collapse bursts of change events into one rerun per account.

WHY: one Terraform apply or one console session emits tens of IAM calls within a minute. Rerunning the day per
call would hammer the account's IAM API and the run queue for the same final state, so an account's burst is
"ready" only once the account has been quiet for `quiet_seconds` — or, so that a continuous storm still gets
checked, once the burst is `max_wait_seconds` old.

Times are when the sensor *read* the events, not CloudTrail's `eventTime`: EventBridge delivery lags by minutes,
and judging quietness by event time would fire on the first late event and again on the next.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from assurance_jobs.events.parse import ChangeEvent

MAX_WAIT_SECONDS = 600
MAX_EVENT_NAMES = 20  # kept per burst for the run's tags; the count keeps counting past it
CURSOR_VERSION = 1


@dataclass(frozen=True)
class Burst:
    """The change events seen for one account since its last rerun was requested."""

    account_id: str
    first_seen: datetime
    last_seen: datetime
    count: int
    event_names: tuple[str, ...]

    @property
    def burst_id(self) -> str:
        """Stable for the burst (its first sighting), so a re-evaluated tick asks for the same run key."""
        return self.first_seen.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def debounce(
    events: Iterable[ChangeEvent],
    now: datetime,
    quiet_seconds: float,
    pending: Iterable[Burst] = (),
    max_wait_seconds: float = MAX_WAIT_SECONDS,
) -> tuple[list[Burst], list[Burst]]:
    """Fold `events` (read at `now`) into the `pending` bursts; return (ready, still pending), by account id."""
    bursts = {burst.account_id: burst for burst in pending}
    for event in events:
        bursts[event.account_id] = _absorb(bursts.get(event.account_id), event, now)
    ready: list[Burst] = []
    waiting: list[Burst] = []
    for account_id in sorted(bursts):
        burst = bursts[account_id]
        is_ready = _quiet_for(burst, now) >= quiet_seconds or _age(burst, now) >= max_wait_seconds
        (ready if is_ready else waiting).append(burst)
    return ready, waiting


def _absorb(burst: Burst | None, event: ChangeEvent, now: datetime) -> Burst:
    if burst is None:
        return Burst(event.account_id, now, now, 1, (event.event_name,))
    names = burst.event_names
    if event.event_name not in names and len(names) < MAX_EVENT_NAMES:
        names = tuple(sorted((*names, event.event_name)))
    return replace(burst, last_seen=max(burst.last_seen, now), count=burst.count + 1, event_names=names)


def _quiet_for(burst: Burst, now: datetime) -> float:
    return (now - burst.last_seen).total_seconds()


def _age(burst: Burst, now: datetime) -> float:
    return (now - burst.first_seen).total_seconds()


def bursts_to_cursor(bursts: Iterable[Burst]) -> str:
    """The pending bursts as the sensor's JSON cursor (small: one entry per account with unfinished changes)."""
    entries = [
        {
            "account_id": burst.account_id,
            "first_seen": burst.first_seen.isoformat(),
            "last_seen": burst.last_seen.isoformat(),
            "count": burst.count,
            "event_names": list(burst.event_names),
        }
        for burst in bursts
    ]
    return json.dumps({"version": CURSOR_VERSION, "pending": entries}, sort_keys=True, separators=(",", ":"))


def bursts_from_cursor(cursor: str | None) -> tuple[list[Burst], str | None]:
    """The pending bursts in a cursor, plus a warning when it was unreadable (then: start afresh, never crash)."""
    if not cursor:
        return [], None
    try:
        document = json.loads(cursor)
        if document.get("version") != CURSOR_VERSION:
            return [], f"cursor version {document.get('version')!r} is not {CURSOR_VERSION}; pending bursts dropped"
        return [_burst_from(entry) for entry in document["pending"]], None
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        return [], f"unreadable cursor ({type(error).__name__}); pending bursts dropped"


def _burst_from(entry: dict) -> Burst:
    return Burst(
        account_id=str(entry["account_id"]),
        first_seen=_utc(entry["first_seen"]),
        last_seen=_utc(entry["last_seen"]),
        count=int(entry["count"]),
        event_names=tuple(str(name) for name in entry["event_names"]),
    )


def _utc(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
