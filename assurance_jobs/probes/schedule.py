"""The expiry replay schedule: just after expiry, after the tolerated leeway, and later.

A relying service may tolerate some clock skew after `exp` (Spring Security 60 s, .NET 5 minutes by default), so
one accepted replay just after expiry proves nothing on its own. The probe replays just after expiry (plus the
margin), again once the tolerated leeway has passed — the replay that decides NHI-PRB-001 — and, only if that one
was still accepted, once more later, to show how long acceptance lasted (which sets the finding's severity).
Times are relative to the expiry on the relying service's clock (`timing.expiry_on_service_clock`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from assurance_jobs.config import ProbesConfig
from assurance_jobs.probes.clock import Clock
from assurance_jobs.probes.record import Outcome

JUST_AFTER_EXPIRY = "just_after_expiry"
AFTER_LEEWAY = "after_leeway"
LATE = "late"


@dataclass(frozen=True)
class Replay:
    label: str
    after_expiry_seconds: float
    only_if_accepted: bool = False  # made only when the previous replay was still accepted


def replay_plan(leeway: float, margin: float, late: float) -> list[Replay]:
    """The replays, in order (a leeway of 0 makes the first replay the deciding one; a late delay of 0 drops it)."""
    plan = [Replay(JUST_AFTER_EXPIRY, margin)]
    if leeway > 0:
        plan.append(Replay(AFTER_LEEWAY, leeway + margin))
    if late > 0:
        plan.append(Replay(LATE, leeway + margin + late, only_if_accepted=True))
    return plan


def plan_for(leeway: float, settings: ProbesConfig) -> list[Replay]:
    return replay_plan(leeway, settings.expiry_margin_seconds, settings.late_replay_seconds)


def beyond_max_wait(skipped: Replay, expires_local: datetime, issued_local: datetime, max_wait: float) -> str:
    """Why a planned replay was not made (the record's LifetimeBeyondMaxWait message)."""
    due = (expires_local - issued_local).total_seconds() + skipped.after_expiry_seconds
    return f"the {skipped.label} replay is due {due:.0f} s after issue, beyond max_wait_seconds {max_wait:.0f}"


# the planned replay -> its outcome; the caller makes the request and records the event
ReplayCall = Callable[[Replay], Outcome]


def run_schedule(
    plan: list[Replay],
    expires_local: datetime,
    issued_local: datetime,
    max_wait_seconds: float,
    clock: Clock,
    replay: ReplayCall,
) -> Replay | None:
    """Make the planned replays; return the first one not made because it was due beyond `max_wait_seconds` after
    issue (the caller records that), else None."""
    previous: Outcome | None = None
    for step in plan:
        if step.only_if_accepted and previous != "accepted":
            return None
        due = expires_local + timedelta(seconds=step.after_expiry_seconds)
        if (due - issued_local).total_seconds() > max_wait_seconds:
            return step
        clock.sleep((due - clock.now()).total_seconds())
        previous = replay(step)
    return None
