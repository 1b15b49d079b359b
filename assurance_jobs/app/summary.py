"""The one-screen summary printed after a run: where the outputs are and what they say.

Computed once as plain data (`run_summary`), then printed either as aligned text for the operator or as JSON
(`--json`) for a script; both say the same thing.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from assurance_jobs.config import AssuranceConfig
from assurance_jobs.output.status import STATUS_LABELS, WAIVED, evidence_gaps, rule_statuses, with_waived_scopes
from assurance_jobs.scan.runtime_learned import runtime_coverage
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.snapshot.store import latest_snapshot
from assurance_jobs.steps.layout import inventory_prefix, output_day_dir
from assurance_jobs.steps.tables import read_table, stored_warnings

LABEL_WIDTH = 13
OUTPUT_FILES: tuple[tuple[str, str], ...] = (
    ("report (this day)", "index.html"),
    ("findings.json", "findings.json"),
    ("findings.csv", "findings.csv"),
    ("OCSF findings", "findings.ocsf.json"),
    ("OSCAL results", "assessment-results.oscal.json"),
    ("provenance", "provenance.json"),
)
"""Every file a run publishes per day, as (label, file name); the summary lists those that exist."""


def run_summary(config: AssuranceConfig, partition_date: date, run_id: str) -> dict[str, Any]:
    """What the run stored and published for this partition, read back from storage and the output folder."""
    storage = storage_for(config.storage_root)
    summary: dict[str, Any] = {"partition_date": partition_date.isoformat(), "dagster_run_id": run_id}
    snapshot = latest_snapshot(storage, partition_date)
    if snapshot is None:
        summary["snapshot"] = None
        return summary
    manifest = snapshot.manifest
    summary["snapshot"] = {
        "location": snapshot.location,
        "snapshot_id": manifest.snapshot_id,
        "taken_at": manifest.taken_at.isoformat(timespec="seconds"),
    }
    summary["accounts"] = list(manifest.accounts)
    if manifest.account_status:
        summary["coverage"] = _coverage(manifest.account_status)
    missing = [status for status in manifest.collection_status if status.status != "ok"]
    summary["evidence"] = {
        "complete": not missing,
        "api_calls": len(manifest.collection_status),
        "not_collected": [
            {
                "api": status.api,
                "account_id": status.account_id,
                "region": status.region or "global",
                "status": status.status,
                "error_code": status.error_code or "",
            }
            for status in missing
        ],
    }
    try:
        identities = read_table(storage, partition_date, "identities")
        credentials = read_table(storage, partition_date, "credentials")
    except FileNotFoundError:
        return summary
    summary["inventory"] = {
        "location": storage.location(inventory_prefix(partition_date)),
        "identities": _counts(identities, "kind"),
        "credentials": _counts(credentials, "kind"),
    }
    summary["runtime_coverage"] = runtime_coverage(identities)
    try:
        results = read_table(storage, partition_date, "rule_results")
    except FileNotFoundError:
        return summary
    summary["rules"] = _rules(results, published_rule_statuses(config, partition_date, results))
    summary["evidence"]["not_configured"] = _not_configured(storage, partition_date, results)
    summary["disabled_rules"] = [rule.model_dump() for rule in config.disabled_rules]
    summary["outputs"] = _outputs(config, partition_date)
    summary["warnings"] = input_warnings(config, partition_date)
    return summary


def _not_configured(storage: Storage, partition_date: date, results: pd.DataFrame) -> list[dict[str, Any]]:
    """Inputs the run was not given and the rules they leave INCOMPLETE: the report banner's second list."""
    statuses = read_table(storage, partition_date, "collection_status").to_dict("records")
    return [
        {"source": gap["source"], "why": gap["why"], "rules": gap["rules"]}
        for gap in evidence_gaps(results, statuses)["not_configured"]
    ]


def _coverage(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Organization scans: how many accounts were covered how, and the ones that are not complete."""
    states: dict[str, int] = {}
    for record in records:
        states[str(record.get("collection"))] = states.get(str(record.get("collection")), 0) + 1
    attention = [
        {key: record.get(key) or "" for key in ("account_id", "name", "ou_path", "collection")}
        for record in records
        if record.get("collection") not in ("complete", "excluded")
    ]
    return {"accounts": len(records), "by_collection": dict(sorted(states.items())), "not_complete": attention}


def _counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    if frame.empty:
        return {}
    return {str(kind): int(count) for kind, count in frame[column].value_counts().sort_index().items()}


def published_rule_statuses(config: AssuranceConfig, partition_date: date, results: pd.DataFrame) -> dict[str, str]:
    """Per rule, the status the report shows (waivers applied), so the terminal and the report agree."""
    from assurance_jobs.output.waivers import apply_waivers, load_waivers

    findings = read_table(storage_for(config.storage_root), partition_date, "findings")
    waivers = load_waivers(config.waivers_file) if config.waivers_file else []
    findings = apply_waivers(findings, waivers, partition_date)
    return rule_statuses(results["rule_id"].unique(), with_waived_scopes(results, findings), findings)


def input_warnings(config: AssuranceConfig, partition_date: date) -> list[str]:
    """Warnings about the day's inputs (duplicate feed rows, unreadable dates), as stored with the inventory."""
    return stored_warnings(storage_for(config.storage_root), partition_date)


def evidence_incomplete(config: AssuranceConfig, partition_date: date) -> bool:
    """True when any rule scope of the day is INCOMPLETE (exit code 3): the same gaps the report's banner lists."""
    try:
        results = read_table(storage_for(config.storage_root), partition_date, "rule_results")
    except FileNotFoundError:
        return True
    return bool((results["status"] == "INCOMPLETE").any())


def _rules(results: pd.DataFrame, statuses: dict[str, str]) -> dict[str, Any]:
    totals = pd.Series(list(statuses.values()), dtype=object).value_counts()
    failing = results[results["failed"] > 0].groupby(["rule_id", "title"], as_index=False)["failed"].sum()
    return {
        "evaluated": len(statuses),
        **{status: int(totals.get(status, 0)) for status in ("FAIL", "INCOMPLETE", "PASS", WAIVED)},
        "failing": [
            {"rule_id": str(row.rule_id), "failed": int(row.failed), "title": str(row.title)}
            for row in failing.itertuples(index=False)
        ],
    }


def _outputs(config: AssuranceConfig, partition_date: date) -> dict[str, str]:
    folder = output_day_dir(config.output_dir, partition_date)
    outputs = {}
    index = Path(config.output_dir) / "index.html"
    if index.is_file():
        outputs["report (all days)"] = str(index.resolve())
    for label, name in OUTPUT_FILES:
        if (folder / name).is_file():
            outputs[label] = str((folder / name).resolve())
    return outputs


def _worst(statuses: pd.Series) -> str:
    for status in ("INCOMPLETE", "FAIL"):
        if (statuses == status).any():
            return status
    return "PASS"


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The summary as aligned text: a label column, then values; tables inside keep their own columns."""
    lines = [f"assurance-jobs — partition {summary['partition_date']} (Dagster run {summary['dagster_run_id']})"]

    def row(label: str, value: str) -> None:
        lines.append(f"  {label:<{LABEL_WIDTH}}{value}")

    snapshot = summary.get("snapshot")
    if snapshot is None:
        row("snapshot", "no snapshot stored for this day")
        return lines
    row("snapshot", f"{snapshot['location']}  (as of {snapshot['taken_at']})")
    row("accounts", ", ".join(summary["accounts"]) or "(none reachable)")
    coverage = summary.get("coverage")
    if coverage:
        tally = ", ".join(f"{count} {state}" for state, count in coverage["by_collection"].items())
        row("coverage", f"{coverage['accounts']} accounts: {tally}")
        lines += _table([[a["account_id"], a["name"], a["ou_path"], a["collection"]] for a in coverage["not_complete"]])
    evidence = summary["evidence"]
    if evidence["complete"]:
        row("evidence", f"complete ({evidence['api_calls']} API calls)")
    else:
        missing = evidence["not_collected"]
        row("evidence", f"INCOMPLETE — {len(missing)} of {evidence['api_calls']} API calls did not complete:")
        lines += _table(
            [[m["api"], m["region"], f"account {m['account_id']}", m["status"], m["error_code"]] for m in missing]
        )
    for number, gap in enumerate(evidence.get("not_configured") or []):
        row("" if number else "not given", f"{gap['why']}: {', '.join(gap['rules'])} INCOMPLETE")
    for number, disabled in enumerate(summary.get("disabled_rules") or []):
        row(
            "" if number else "disabled",
            f"{disabled['rule_id']} not evaluated: {disabled['justification']} (approved by {disabled['approver']})",
        )
    inventory = summary.get("inventory")
    if inventory:
        row("inventory", inventory["location"])
        row("", f"{_kinds(inventory['identities'])} identities; {_kinds(inventory['credentials'])}")
    lines += runtime_coverage_lines(summary.get("runtime_coverage"))
    rules = summary.get("rules")
    if rules:
        row(
            "rules",
            f"{rules['evaluated']} evaluated: {rules['FAIL']} FAIL, {rules['INCOMPLETE']} INCOMPLETE, "
            f"{rules['PASS']} PASS" + (f", {rules[WAIVED]} {STATUS_LABELS[WAIVED]}" if rules.get(WAIVED) else ""),
        )
        lines += _table([[f["rule_id"], f"{f['failed']:,}", f["title"]] for f in rules["failing"]], right={1})
    for warning in summary.get("warnings") or []:
        row("warning", warning)
    outputs = summary.get("outputs") or {}
    for number, (label, path) in enumerate(outputs.items()):
        width = max(len(name) for name in outputs)
        row("outputs" if number == 0 else "", f"{label:<{width}}  {path}")
    return lines


def runtime_coverage_lines(coverage: dict[str, Any] | None) -> list[str]:
    """How many NHIs runtime judges against an approved baseline, only against learned behaviour, not at all."""
    if not coverage or not coverage.get("nhis"):
        return []
    head = f"  {'runtime':<{LABEL_WIDTH}}{coverage['nhis']} NHIs: {coverage['approved']} against an approved baseline, "
    head += f"{coverage['learned']} against learned behaviour only, {coverage['not_judged']} not judged"
    reasons = [[f"{count:,}", why] for why, count in coverage.get("why_not_judged", {}).items()]
    return [head, *_table(reasons, right={0})]


def _kinds(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in counts.items()) or "0"


def _table(rows: list[list[str]], right: frozenset[int] | set[int] = frozenset()) -> list[str]:
    """Rows as columns padded to their widest cell (numbers right-aligned), indented under the values."""
    if not rows:
        return []
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for cells in rows:
        padded = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(cells)]
        lines.append((" " * (2 + LABEL_WIDTH) + "  ".join(padded)).rstrip())
    return lines


def print_summary(config: AssuranceConfig, partition_date: date, run_id: str, out: TextIO) -> None:
    print("", file=out)
    for line in summary_lines(run_summary(config, partition_date, run_id)):
        print(line, file=out)


def print_json_summary(
    config: AssuranceConfig,
    partition_date: date,
    run_id: str,
    out: TextIO,
    *,
    success: bool,
    errors: list[str],
    extra: dict[str, Any] | None = None,
) -> None:
    """The same summary as one JSON document on stdout, plus whether the run succeeded and why not."""
    document = {**run_summary(config, partition_date, run_id), "success": success, "errors": errors, **(extra or {})}
    print(json.dumps(document, indent=2, sort_keys=True), file=out)
