"""The day's one summary: every count the report's banner and cards, `day-summary.json`, the terminal and the exit
code say about a published day, computed once from the report model.

Why one object: the terminal once said "evidence complete" while the banner said INCOMPLETE, "32 FAIL" listed 33
rules, and "72 findings" met "71 open + 1 waived" with nothing joining them. Now the summary page renders from this
object, `day-summary.json` is this object, and `assurance-jobs run` / `demo` read that file back to print the
terminal summary and choose the exit code — so every surface tells the same story by construction.

`evidence.complete` is the one definition of a day with gaps: any rule scope INCOMPLETE or any collection call that
did not return everything. The exit code is 3 exactly when it is false.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from assurance_jobs.output import status as st
from assurance_jobs.scan.runtime_learned import runtime_coverage

SUMMARY_VERSION = 2


def _by_kind(frame: Any) -> dict[str, int]:
    if not len(frame) or "kind" not in frame.columns:
        return {}
    return {str(kind): int(count) for kind, count in sorted(frame["kind"].value_counts().items())}


def _rules(model: Any) -> dict[str, Any]:
    tally = Counter(model.statuses.values())
    failing = [
        {"rule_id": rule_id, "title": str(meta.get("title", "")), "open": model.open_by_rule.get(rule_id, 0)}
        for rule_id, meta in sorted(model.rules.items())
        if model.statuses.get(rule_id) == st.FAIL
    ]
    return {
        "evaluated": len(model.statuses),
        **{status: int(tally.get(status, 0)) for status in (st.FAIL, st.INCOMPLETE, st.PASS, st.WAIVED)},
        "failing": failing,
    }


def _findings(model: Any) -> dict[str, Any]:
    rows = model.rows
    lifecycle = Counter(row["lifecycle"] for row in rows)
    return {
        "total": len(rows),
        "open": sum(1 for row in rows if row["status"] != "waived"),
        "waived": sum(1 for row in rows if row["status"] == "waived"),
        "reopened_by_expired_waiver": sum(1 for row in rows if row["status"] == "waiver_expired"),
        "new": lifecycle.get("new", 0),
        "reopened": lifecycle.get("reopened", 0),
        "overdue": sum(1 for row in rows if row["overdue"]),
        "resolved": None if model.resolved is None else len(model.resolved),
        "not_rechecked": len(model.not_rechecked),
    }


def _evidence(model: Any) -> dict[str, Any]:
    gaps = model.evidence_gaps
    calls = model.bundle.collection_status
    return {
        "complete": model.evidence_complete,
        "api_calls": len(calls),
        "not_collected": [
            {key: row[key] for key in ("api", "account_id", "region", "status", "error_code")}
            for row in model.failed_collections
        ],
        "incomplete_scopes": len(model.incomplete),
        "could_not_collect": [
            {key: entry.get(key, "") for key in ("source", "api", "account_id", "region", "status", "error_code")}
            | {"rules": list(entry["rules"])}
            for entry in gaps["could_not_collect"]
        ],
        "not_configured": [
            {"source": entry["source"], "why": entry["why"], "rules": list(entry["rules"])}
            for entry in gaps["not_configured"]
        ],
    }


def _coverage(model: Any) -> dict[str, Any] | None:
    records = model.bundle.account_status
    if not records:
        return None
    states = Counter(str(record.get("collection")) for record in records)
    attention = [
        {key: str(record.get(key) or "") for key in ("account_id", "name", "ou_path", "collection")}
        for record in records
        if record.get("collection") not in ("complete", "excluded")
    ]
    return {"accounts": len(records), "by_collection": dict(sorted(states.items())), "not_complete": attention}


def day_summary(model: Any) -> dict[str, Any]:
    """The summary of one published day (`ReportModel`), as plain JSON-ready data."""
    header, counts = model.header(), model.counts()
    evidence, findings = _evidence(model), _findings(model)
    lifecycle = model.bundle.lifecycle
    return {
        "summary_version": SUMMARY_VERSION,
        "partition_date": header["partition_date"],
        "as_of": header["as_of"],
        "snapshot_id": header["snapshot_id"],
        "accounts": model.accounts,
        "coverage": _coverage(model),
        "evidence": evidence,
        "identities": {
            "total": counts["identities"],
            "non_human": counts["nhi"],
            "by_kind": _by_kind(model.bundle.identities),
        },
        "credentials": {"total": counts["credentials"], "by_kind": _by_kind(model.bundle.credentials)},
        "runtime_coverage": runtime_coverage(model.bundle.identities),
        "rules": _rules(model),
        "findings": findings,
        "open_by_severity": {row["key"]: row["open"] for row in model.severity_table()},
        "compared_with": None if lifecycle.previous_day is None else lifecycle.previous_day.isoformat(),
        "missing_days": [day.isoformat() for day in lifecycle.missing_days],
        "disabled_rules": [dict(rule) for rule in model.bundle.disabled_rules],
        "warnings": list(model.bundle.input_warnings),
        # The index across days reads these (and earlier days' files carry only these).
        "open": findings["open"],
        "evidence_complete": evidence["complete"],
        "incomplete_scopes": evidence["incomplete_scopes"],
        "failed_collections": len(evidence["not_collected"]),
        "could_not_collect": len(evidence["could_not_collect"]),
        "not_configured": len(evidence["not_configured"]),
        "new": None if model.new is None else len(model.new),
        "resolved": findings["resolved"],
    }
