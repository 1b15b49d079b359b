"""The `probes` table: one row per probe target, with the facts the `probes` suite judges (pure, no I/O).

A fact is NA whenever the evidence cannot settle it — the probe did not run, the resource answered 500, the
replay never happened — and the evaluation reads NA as INCOMPLETE for that rule and target, never PASS. A target
whose control request (no token, a garbage token) was accepted has every judged fact NA: its route proves nothing.

Expiry: a replay is accepted *beyond the leeway* when it was accepted more than the target's tolerated leeway after
the expiry on the relying service's clock. `accepted_seconds_after_expiry` is the latest replay still accepted,
`acceptance_stopped_seconds_after_expiry` the first refusal after it, and `still_accepted_at_last_replay` whether
acceptance never stopped while the probe looked — the suite's severity ladder reads these (evaluate/probes.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from assurance_jobs.probes.record import ProbeEvent, ProbeRecord
from assurance_jobs.schema import PROBE_COLUMNS

# The facts the rules judge (and their ladder reads): all NA when a control request shows the route is public.
_JUDGED = (
    "stated_lifetime_seconds",
    "lifetime_excess_seconds",
    "expired_token_accepted",
    "accepted_seconds_after_expiry",
    "acceptance_stopped_seconds_after_expiry",
    "still_accepted_at_last_replay",
    "cross_audience_accepted",
    "revoked_session_accepted",
)


@dataclass(frozen=True)
class ConfiguredTarget:
    """What the configuration promises to probe: a target without a record today is `not_run`."""

    name: str
    kind: str
    principal: str
    resource: str
    max_lifetime_seconds: float
    audience_check: bool = False
    revocation: bool = False
    leeway_seconds: float | None = None


@dataclass(frozen=True)
class ExpiryFacts:
    beyond_leeway: bool | None
    accepted_for: float | None
    stopped_at: float | None
    still_accepted: bool | None
    observed: str


def _answer(event: ProbeEvent) -> str:
    said = f"HTTP {event.status}" if event.status else "no answer"
    if event.code:
        said += f" {event.code}"
    return f"{said} at +{event.offset_seconds:g} s"


def _judged(events: Sequence[ProbeEvent]) -> bool | None:
    """True if any attempt was accepted, False if every attempt was refused as expected, else unknown."""
    if any(event.outcome == "accepted" for event in events):
        return True
    if events and all(event.outcome == "rejected" for event in events):
        return False
    return None


def _phase(record: ProbeRecord, phase: str) -> list[ProbeEvent]:
    return [event for event in record.events if event.phase == phase]


def _lifetime_note(record: ProbeRecord) -> str:
    if record.stated_lifetime_seconds is None:
        return ""
    return f" (stated lifetime {record.stated_lifetime_seconds:g} s)"


def _after_expiry(event: ProbeEvent, record: ProbeRecord) -> float:
    """Seconds past expiry; a schema-1 record (no schedule) counts from issue plus the stated lifetime."""
    if event.after_expiry_seconds is not None:
        return event.after_expiry_seconds
    return event.offset_seconds - (record.stated_lifetime_seconds or 0.0)


def _replay_text(event: ProbeEvent, after: float) -> str:
    said = f"HTTP {event.status}" if event.status else "no answer"
    if event.code:
        said += f" {event.code}"
    return f"{event.outcome} ({said}) at {after:+.1f} s after expiry"


def expiry_facts(record: ProbeRecord) -> ExpiryFacts:
    """What the replays show against the tolerated leeway: accepted beyond it, and when acceptance stopped."""
    replays = [(_after_expiry(event, record), event) for event in _phase(record, "expired_replay")]
    if not replays:
        return ExpiryFacts(None, None, None, None, "no replay")
    leeway = record.leeway_seconds or 0.0
    accepted = [after for after, event in replays if event.outcome == "accepted"]
    last_accepted = max(accepted) if accepted else None
    refusals = [after for after, event in replays if event.outcome == "rejected"]
    stopped = min((after for after in refusals if last_accepted is None or after > last_accepted), default=None)
    still = True if replays[-1][1].outcome == "accepted" else (False if stopped is not None else None)
    beyond = True if any(after > leeway for after in accepted) else (False if stopped is not None else None)
    observed = "; ".join(_replay_text(event, after) for after, event in replays) + f" (tolerated leeway {leeway:g} s"
    if still:
        observed += "; still accepted at the last replay"
    elif stopped is not None:
        observed += f"; refused from {stopped:+.1f} s"
    return ExpiryFacts(beyond, last_accepted, stopped, still, observed + ")" + _lifetime_note(record))


def _last_outcome(events: Sequence[ProbeEvent]) -> bool | None:
    """True if the last attempt was accepted (or reported active), False if refused (inactive), else unknown."""
    if not events or events[-1].outcome == "error":
        return None
    return events[-1].outcome == "accepted"


def _revocation(record: ProbeRecord) -> tuple[bool | None, str]:
    """Still accepted after revocation: the replay was accepted, or the issuer's introspection still said active."""
    attempts = _phase(record, "after_revoke")
    introspected = _phase(record, "introspect_after_revoke")
    if not attempts and not introspected:
        return None, "not tried"
    replayed, active = _last_outcome(attempts), _last_outcome(introspected)
    text = f"{len(attempts)} attempt(s) after revocation; last: {_answer(attempts[-1]) if attempts else 'none'}"
    if record.introspection_configured:
        said = (introspected[-1].code or "no usable answer") if introspected else "not asked"
        text += f"; introspection after revocation: {said}"
    if replayed is True or active is True:
        return True, text
    settled = replayed is False and (active is False or not record.introspection_configured)
    if settled and _expired_by_then(record.kind, attempts[-1:] + introspected[-1:]):
        return None, text + "; the revoked token may have expired by then, so the refusal does not show revocation"
    return (False if settled else None), text


def _expired_by_then(kind: str, events: Sequence[ProbeEvent]) -> bool:
    """A refusal at or after the token's earliest expiry may be the expiry's, not the revocation's; so may one of
    an OAuth2 token whose expiry is unknown (no `exp`, no `expires_in`). An STS session outlives the window."""
    if kind != "oauth2":
        return False
    return any(event.after_expiry_seconds is None or event.after_expiry_seconds >= 0 for event in events)


def _control_accepted(record: ProbeRecord) -> bool:
    return any(event.phase.startswith("control_") and event.outcome == "accepted" for event in record.events)


def record_row(record: ProbeRecord, run_id: str, source_file: str, sha256: str) -> dict[str, Any]:
    cross = _phase(record, "cross_audience")
    stated, maximum = record.stated_lifetime_seconds, record.max_lifetime_seconds
    revoked, revocation_text = _revocation(record)
    expiry = expiry_facts(record)
    row = {
        "account_id": f"probe:{record.target}",
        "target": record.target,
        "kind": record.kind,
        "principal": record.principal,
        "resource": record.resource,
        "probe_run_id": run_id,
        "probe_status": record.status,
        "incomplete_reason": f"{record.error_code}: {record.message}" if record.status != "ok" else "",
        "client_auth": record.client_auth,
        "token_format": record.token_format,
        "token_fingerprint": record.token_fingerprint,
        "issued_at": record.issued_at,
        "stated_lifetime_seconds": stated,
        "lifetime_source": record.lifetime_source,
        "max_lifetime_seconds": maximum,
        "lifetime_excess_seconds": stated - maximum if stated is not None and maximum is not None else None,
        "clock_skew_seconds": record.clock_skew_seconds,
        "clock_skew_source": record.clock_skew_source,
        "resource_clock_skew_seconds": record.resource_clock_skew_seconds,
        "leeway_seconds": record.leeway_seconds if record.leeway_seconds is not None else 0.0,
        "expired_replays": len(_phase(record, "expired_replay")),
        "expired_token_accepted": expiry.beyond_leeway,
        "accepted_seconds_after_expiry": expiry.accepted_for,
        "acceptance_stopped_seconds_after_expiry": expiry.stopped_at,
        "still_accepted_at_last_replay": expiry.still_accepted,
        "expired_replay_observed": expiry.observed,
        "audience_check_configured": record.second_resource is not None,
        "cross_audience_accepted": _judged(cross),
        "cross_audience_observed": "; ".join(_answer(e) for e in cross) if cross else "not tried",
        "revocation_configured": record.revocation_configured,
        "revoked_session_accepted": revoked,
        "revocation_observed": revocation_text,
        "source_file": source_file,
        "source_sha256": sha256,
    }
    return {**row, **dict.fromkeys(_JUDGED)} if _control_accepted(record) else row


def not_run_row(target: ConfiguredTarget, run_id: str | None) -> dict[str, Any]:
    why = "no probe run is stored for this day" if run_id is None else f"not in probe run {run_id}"
    return {
        "account_id": f"probe:{target.name}",
        "target": target.name,
        "kind": target.kind,
        "principal": target.principal,
        "resource": target.resource,
        "probe_run_id": run_id,
        "probe_status": "not_run",
        "incomplete_reason": why,
        "max_lifetime_seconds": target.max_lifetime_seconds,
        "leeway_seconds": target.leeway_seconds,
        "expired_replays": 0,
        "expired_replay_observed": "no replay",
        "audience_check_configured": target.audience_check,
        "cross_audience_observed": "not tried",
        "revocation_configured": target.revocation,
        "revocation_observed": "not tried",
    }


def probe_table(
    records: Iterable[tuple[ProbeRecord, str, str]],
    configured: Iterable[ConfiguredTarget],
    run_id: str | None,
) -> pd.DataFrame:
    """Rows for every stored record (`(record, source_file, sha256)`) and every configured target not probed."""
    rows = [record_row(record, run_id or "", path, sha) for record, path, sha in records]
    seen = {row["target"] for row in rows}
    rows += [not_run_row(target, run_id) for target in configured if target.name not in seen]
    rows.sort(key=lambda row: row["target"])
    data = {}
    for name, dtype in PROBE_COLUMNS.items():
        values = [row.get(name) for row in rows]
        data[name] = (
            pd.Series(values, dtype=object) if dtype == "object" else pd.Series(values, dtype=object).astype(dtype)
        )
    return pd.DataFrame(data)
