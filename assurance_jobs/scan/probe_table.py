"""The `probes` table: one row per probe target, with the facts the `probes` suite judges (pure, no I/O).

A fact is NA whenever the evidence cannot settle it — the probe did not run, the resource answered 500, the
replay never happened — and the evaluation reads NA as INCOMPLETE for that rule and target, never PASS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from assurance_jobs.probes.record import ProbeEvent, ProbeRecord
from assurance_jobs.schema import PROBE_COLUMNS


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


def _revocation(record: ProbeRecord) -> tuple[bool | None, str]:
    attempts = _phase(record, "after_revoke")
    if not attempts:
        return None, "not tried"
    last = attempts[-1]
    if last.outcome == "error":
        return None, _answer(last)
    accepted = last.outcome == "accepted"
    return accepted, f"{len(attempts)} attempt(s) after the revoke deny; last: {_answer(last)}"


def record_row(record: ProbeRecord, run_id: str, source_file: str, sha256: str) -> dict[str, Any]:
    replays = _phase(record, "expired_replay")
    cross = _phase(record, "cross_audience")
    stated, maximum = record.stated_lifetime_seconds, record.max_lifetime_seconds
    revoked, revocation_text = _revocation(record)
    return {
        "account_id": f"probe:{record.target}",
        "target": record.target,
        "kind": record.kind,
        "principal": record.principal,
        "resource": record.resource,
        "probe_run_id": run_id,
        "probe_status": record.status,
        "incomplete_reason": f"{record.error_code}: {record.message}" if record.status != "ok" else "",
        "token_format": record.token_format,
        "token_fingerprint": record.token_fingerprint,
        "issued_at": record.issued_at,
        "stated_lifetime_seconds": stated,
        "lifetime_source": record.lifetime_source,
        "max_lifetime_seconds": maximum,
        "lifetime_excess_seconds": stated - maximum if stated is not None and maximum is not None else None,
        "clock_skew_seconds": record.clock_skew_seconds,
        "clock_skew_source": record.clock_skew_source,
        "expired_replays": len(replays),
        "expired_token_accepted": _judged(replays),
        "expired_replay_observed": "; ".join(_answer(e) for e in replays) + _lifetime_note(record)
        if replays
        else "no replay",
        "audience_check_configured": record.second_resource is not None,
        "cross_audience_accepted": _judged(cross),
        "cross_audience_observed": "; ".join(_answer(e) for e in cross) if cross else "not tried",
        "revocation_configured": record.revocation_configured,
        "revoked_session_accepted": revoked,
        "revocation_observed": revocation_text,
        "source_file": source_file,
        "source_sha256": sha256,
    }


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
