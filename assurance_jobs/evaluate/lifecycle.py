"""A finding's life across stored days: when it was first and last seen, and whether it is new, open, re-opened or
resolved — derived from the stored days only, one day from the one before it.

Why: an auditor (and a SIEM) must be able to follow one finding over time. The finding id (rule, account, resource
and, for a multi-valued rule, the element — evaluate/findings.py) is the same every day, so each stored day's
ledger is the previous stored day's ledger advanced by that day's findings:

* seen today and never before: **new**; seen before and open: **open**; seen again after it was resolved:
  **re-opened** (its first sighting is kept: the clock of its SLA does not restart).
* open on the previous stored day and not seen today: **resolved** today — but only where today's evidence for
  its rule scope (rule, account, region) is complete. Where the scope is INCOMPLETE, or was not evaluated, absence
  proves nothing: the finding stays open, `last_seen` unchanged (missing evidence is never a resolution).
* a day nothing was stored for is a gap: the next stored day is compared with the last stored one, so a resolution
  is dated on a day that was actually observed, never on a missing one. `missing_days` names the gap.

Pure: no I/O, no clock. Waivers and SLAs are judgements of the published report (`published_lifecycle`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd

from assurance_jobs import schema

LEDGER_COLUMNS: tuple[str, ...] = tuple(schema.FINDING_LIFECYCLE_COLUMNS)
NEW, OPEN, REOPENED, RESOLVED, WAIVED = "new", "open", "reopened", "resolved", "waived"
LIFECYCLE_STATUSES: tuple[str, ...] = (NEW, OPEN, REOPENED, RESOLVED, WAIVED)
DEFAULT_SLA_DAYS: Mapping[str, int] = {"critical": 7, "high": 30, "medium": 90, "low": 180}
"""Days a finding may stay open, from its first sighting, before it is overdue (config `finding_sla_days`)."""
PUBLISHED_COLUMNS: tuple[str, ...] = (
    "lifecycle_status",
    "first_seen",
    "last_seen",
    "age_days",
    "sla_days",
    "due_date",
    "overdue",
)
"""The lifecycle columns every published finding carries (findings.json/csv, OCSF, the report)."""
_CARRIED = ("rule_id", "family", "title", "severity", "account_id", "region", "resource_arn", "resource_kind")


def empty_ledger() -> pd.DataFrame:
    return pd.DataFrame({name: [] for name in LEDGER_COLUMNS}, dtype=object)


def missing_days(previous: date | None, day: date) -> list[date]:
    """The calendar days strictly between the previous stored day and this one: nothing was stored for them."""
    if previous is None:
        return []
    return [previous + timedelta(days=n) for n in range(1, (day - previous).days)]


def _scope_keys(frame: pd.DataFrame) -> pd.Series:
    region = frame["region"].astype(object).where(frame["region"].notna(), "")
    return frame["rule_id"].astype(str) + "|" + frame["account_id"].astype(str) + "|" + region.astype(str)


def complete_scopes(rule_results: pd.DataFrame) -> set[str]:
    """Rule scopes whose evidence was complete today (PASS, FAIL or waived): only there is absence a resolution."""
    if rule_results.empty:
        return set()
    judged = rule_results[rule_results["status"] != "INCOMPLETE"]
    return set(_scope_keys(judged))


def advance(
    previous: pd.DataFrame | None,
    findings: pd.DataFrame,
    rule_results: pd.DataFrame,
    day: date,
    seen_at: str,
) -> pd.DataFrame:
    """The ledger of `day`: the previous stored day's ledger (None on the first stored day) advanced by `day`'s
    findings, judged against `day`'s rule results (which scopes were complete). `seen_at` is the day's snapshot
    time (ISO 8601), recorded as `first_seen_at` / `last_seen_at`."""
    before = empty_ledger() if previous is None else previous.reindex(columns=list(LEDGER_COLUMNS)).astype(object)
    before = before.drop_duplicates("finding_id", keep="last").set_index("finding_id", drop=False)
    today = findings.drop_duplicates("finding_id", keep="first") if len(findings) else findings
    iso = day.isoformat()
    seen = _seen_today(before, today, iso, seen_at)
    unseen = before[~before.index.isin(seen["finding_id"])]
    ledger = pd.concat([seen, _not_seen_today(unseen, rule_results, iso)], ignore_index=True)
    return ledger.reindex(columns=list(LEDGER_COLUMNS)).sort_values(
        ["rule_id", "account_id", "resource_arn", "finding_id"], kind="mergesort", ignore_index=True
    )


def _seen_today(before: pd.DataFrame, today: pd.DataFrame, iso: str, seen_at: str) -> pd.DataFrame:
    if not len(today):
        return empty_ledger()
    ids = today["finding_id"].to_numpy(dtype=object)
    known = before.reindex(ids)
    was = known["status"].to_numpy(dtype=object)
    status = np.where(pd.isna(was), NEW, np.where(was == RESOLVED, REOPENED, OPEN))
    first_seen = known["first_seen"].to_numpy(dtype=object)
    first_seen_at = known["first_seen_at"].to_numpy(dtype=object)
    fresh = pd.isna(first_seen)
    columns = {name: today[name].to_numpy(dtype=object) for name in (*_CARRIED, "identity_arn", "element")}
    return pd.DataFrame(
        {
            "finding_id": ids,
            **columns,
            "status": status,
            "first_seen": np.where(fresh, iso, first_seen),
            "first_seen_at": np.where(fresh, seen_at, first_seen_at),
            "last_seen": iso,
            "last_seen_at": seen_at,
            "resolved_on": None,
        },
        dtype=object,
    )


def _not_seen_today(unseen: pd.DataFrame, rule_results: pd.DataFrame, iso: str) -> pd.DataFrame:
    """Earlier findings absent today: resolved where today's scope was complete, else carried open unchanged."""
    if not len(unseen):
        return empty_ledger()
    rows = unseen.reset_index(drop=True).copy()
    still_open = rows["status"] != RESOLVED
    rechecked = _scope_keys(rows).isin(complete_scopes(rule_results))
    resolved = still_open & rechecked
    rows.loc[resolved, "status"] = RESOLVED
    rows.loc[resolved, "resolved_on"] = iso
    carried = still_open & ~rechecked
    rows.loc[carried & (rows["status"] == NEW), "status"] = OPEN
    return rows


def published_lifecycle(
    findings: pd.DataFrame, ledger: pd.DataFrame, day: date, sla_days: Mapping[str, int]
) -> pd.DataFrame:
    """`findings` (with the waiver columns) with their lifecycle columns: status (a waiver in force reads
    `waived`), first and last seen, age in days, the SLA of their severity, the due date and whether it is past.
    A waived finding is never overdue: its risk was accepted, until the waiver lapses."""
    result = findings.copy()
    if not len(result):
        for name in (*PUBLISHED_COLUMNS, "seen_status", "first_seen_at"):
            result[name] = pd.Series([], dtype=object)
        return result
    known = ledger.drop_duplicates("finding_id").set_index("finding_id").reindex(result["finding_id"].astype(object))
    status = known["status"].fillna(NEW).to_numpy(dtype=object)  # not in the ledger: evaluated with no history
    first_seen = known["first_seen"].fillna(day.isoformat()).to_numpy(dtype=object)
    waived = result.get("waiver_status", pd.Series("open", index=result.index)).fillna("open") == "waived"
    age = np.array([(day - date.fromisoformat(str(first))).days for first in first_seen], dtype=np.int64)
    sla = result["severity"].map(lambda s: sla_days.get(str(s), sla_days.get("low", 180))).to_numpy(dtype=np.int64)
    due = [
        (date.fromisoformat(str(first)) + timedelta(days=int(n))).isoformat()
        for first, n in zip(first_seen, sla, strict=True)
    ]
    result["lifecycle_status"] = np.where(waived.to_numpy(), WAIVED, status)
    result["seen_status"] = status  # the ledger's own word (new, open, reopened), whatever a waiver says
    result["first_seen"] = first_seen
    result["first_seen_at"] = known["first_seen_at"].to_numpy(dtype=object)
    result["last_seen"] = known["last_seen"].fillna(day.isoformat()).to_numpy(dtype=object)
    result["age_days"] = age
    result["sla_days"] = sla
    result["due_date"] = np.array(due, dtype=object)
    result["overdue"] = (age > sla) & ~waived.to_numpy()
    return result


def resolved_on(ledger: pd.DataFrame, day: date) -> pd.DataFrame:
    """The ledger's findings resolved on `day` (absent today, open on the previous stored day, scope complete)."""
    if not len(ledger):
        return ledger
    return ledger[(ledger["status"] == RESOLVED) & (ledger["resolved_on"] == day.isoformat())]


def not_rechecked(ledger: pd.DataFrame, day: date) -> pd.DataFrame:
    """Findings still open that today's evidence could not re-check (their scope INCOMPLETE): carried, not resolved."""
    if not len(ledger):
        return ledger
    return ledger[(ledger["status"] != RESOLVED) & (ledger["last_seen"] != day.isoformat())]


def mean_time_to_remediate(ledger: pd.DataFrame, families: tuple[str, ...] = ()) -> list[dict[str, object]]:
    """Per family, the findings resolved so far and the mean days from first sighting to resolution.

    A resolution is dated on the first stored day the finding was absent: with gaps between stored days the
    figure is an upper bound, never an understatement."""
    resolved = ledger[ledger["status"] == RESOLVED] if len(ledger) else ledger
    by_family: dict[str, list[int]] = {}
    for family, first, fixed in zip(
        resolved.get("family", []), resolved.get("first_seen", []), resolved.get("resolved_on", []), strict=True
    ):
        days = (date.fromisoformat(str(fixed)) - date.fromisoformat(str(first))).days
        by_family.setdefault(str(family), []).append(days)
    order = list(families) + sorted(set(by_family) - set(families))
    return [
        {
            "family": family,
            "resolved": len(by_family.get(family, [])),
            "mean_days": round(sum(by_family[family]) / len(by_family[family]), 1) if by_family.get(family) else None,
        }
        for family in order
        if family in by_family or family in families
    ]
