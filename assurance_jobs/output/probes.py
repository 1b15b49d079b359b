"""The "Runtime probes" page's model: per probe target its token facts, verdicts and a timeline.

The timeline is geometry computed here from the stored offsets (numbers only); the template draws it as
inline SVG with autoescaped labels, so nothing from a relying service's answer is ever marked safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd

from assurance_jobs.output.labels import probe_step
from assurance_jobs.output.views import file_name
from assurance_jobs.probes.record import ProbeRecord

TIMELINE_WIDTH = 640
TIMELINE_LEFT = 10
TIMELINE_RIGHT = 30
_FACTS = (
    ("kind", "Kind"),
    ("principal", "Client / role"),
    ("resource", "Resource replayed against"),
    ("token_format", "Token format"),
    ("token_fingerprint", "Token fingerprint (salted, per run)"),
    ("issued_at", "Issued at (local clock)"),
    ("stated_lifetime_seconds", "Stated lifetime (s)"),
    ("lifetime_source", "Lifetime from"),
    ("max_lifetime_seconds", "Configured maximum (s)"),
    ("client_auth", "Client authentication"),
    ("clock_skew_seconds", "Issuer clock skew (s)"),
    ("clock_skew_source", "Skew measured from"),
    ("resource_clock_skew_seconds", "Resource clock skew (s, from its Date)"),
    ("leeway_seconds", "Tolerated leeway after expiry (s)"),
    ("accepted_seconds_after_expiry", "Last accepted after expiry (s)"),
    ("acceptance_stopped_seconds_after_expiry", "Refused from (s after expiry)"),
    ("still_accepted_at_last_replay", "Still accepted at the last replay"),
    ("probe_status", "Probe status"),
    ("incomplete_reason", "Why it could not finish"),
    ("source_file", "Evidence file"),
    ("source_sha256", "SHA-256"),
)


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) or "—"


def _expiry_offset(record: ProbeRecord) -> float | None:
    """Seconds from issue to the expiry the replays were timed from (the relying service's clock), else the
    stated lifetime (records written before the schedule existed)."""
    if record.expires_at and record.issued_at:
        expires, issued = datetime.fromisoformat(record.expires_at), datetime.fromisoformat(record.issued_at)
        return round((expires - issued).total_seconds(), 3)
    return record.stated_lifetime_seconds


def timeline(record: ProbeRecord | None) -> dict[str, Any] | None:
    """Marks on a 0..end seconds axis: each event, the expiry and the end of the tolerated leeway as lines."""
    if record is None or not record.events:
        return None
    expiry = _expiry_offset(record)
    leeway_end = expiry + record.leeway_seconds if expiry is not None and record.leeway_seconds else None
    end = max([event.offset_seconds for event in record.events] + [expiry or 0.0, leeway_end or 0.0, 1.0]) * 1.05
    span = TIMELINE_WIDTH - TIMELINE_LEFT - TIMELINE_RIGHT

    def x(offset: float) -> float:
        return round(TIMELINE_LEFT + span * max(offset, 0.0) / end, 1)

    marks = [
        {
            "x": x(event.offset_seconds),
            "outcome": event.outcome,
            "label": f"{probe_step(event.phase)} +{event.offset_seconds:g} s: {event.outcome}"
            + (f" (HTTP {event.status})" if event.status else "")
            + (f" {event.code}" if event.code else ""),
        }
        for event in record.events
    ]
    return {
        "width": TIMELINE_WIDTH,
        "marks": marks,
        "expiry_x": x(expiry) if expiry is not None else None,
        "leeway_x": x(leeway_end) if leeway_end is not None else None,
        "end_label": f"+{end:.0f} s" if end >= 10 else f"+{end:.1f} s",
    }


def probe_views(
    table: pd.DataFrame | None, records: Iterable[ProbeRecord], rule_results: pd.DataFrame
) -> list[dict[str, Any]]:
    """One view per probe target, in target order."""
    if table is None or table.empty:
        return []
    by_target: Mapping[str, ProbeRecord] = {record.target: record for record in records}
    probe_rows = rule_results[rule_results["account_id"].astype(str).str.startswith("probe:")]
    views = []
    for row in table.to_dict("records"):
        record = by_target.get(str(row["target"]))
        verdicts = probe_rows[probe_rows["account_id"] == row["account_id"]]
        views.append(
            {
                "target": str(row["target"]),
                "facts": [(label, _text(row.get(column))) for column, label in _FACTS],
                "verdicts": [
                    {"rule_id": r["rule_id"], "file": file_name(str(r["rule_id"])), "status": r["status"]}
                    for r in verdicts.sort_values("rule_id").to_dict("records")
                ],
                "timeline": timeline(record),
                "events": [{**event.__dict__, "step": probe_step(event.phase)} for event in record.events]
                if record
                else [],
            }
        )
    return views


def _verdict(row: Mapping[str, Any]) -> str:
    text = f"{row['rule_id']} {row['status']}"
    return f"{text} ({row['severity']})" if row["status"] == "FAIL" else text


def verdict_lines(table: pd.DataFrame, rule_results: pd.DataFrame) -> list[str]:
    """What `assurance-jobs probe` prints: per target its verdicts (a failure with its severity) and, when a rule
    could not be judged, why; then each rule no configured target reached, with what to configure."""
    probe_rows = rule_results[rule_results["account_id"].astype(str).str.startswith("probe:")]
    reasons = dict(zip(table["account_id"].astype(str), table["incomplete_reason"].fillna(""), strict=True))
    width = max([len(str(scope)) - len("probe:") for scope in probe_rows["account_id"]] + [12])
    lines = []
    for scope, rows in probe_rows[probe_rows["account_id"] != "probe:*"].groupby("account_id", sort=True):
        records = rows.sort_values("rule_id").to_dict("records")
        lines.append(f"  {str(scope).removeprefix('probe:'):<{width}}  " + " · ".join(_verdict(r) for r in records))
        if any(r["status"] == "INCOMPLETE" for r in records):
            why = reasons.get(str(scope)) or "the evidence could not settle it"
            lines.append(f"  {'':<{width}}  incomplete: {why}")
    for row in probe_rows[probe_rows["account_id"] == "probe:*"].sort_values("rule_id").to_dict("records"):
        lines.append(f"  {'(no target)':<{width}}  {_verdict(row)}: {row['reason']}")
    return lines
