"""The one-screen summary printed after a run: where the outputs are and what they say.

The counts are the published day's one summary (`day-summary.json`, output/day_summary.py), the very object the
report's banner and cards were rendered from, and the exit code is read from it too: the terminal, the JSON, the
HTML and the exit code cannot disagree. `run_summary` adds where things are; it is printed either as aligned text
for the operator or as JSON (`--json`) for a script.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from assurance_jobs.app.exit_codes import EXIT_INCOMPLETE, EXIT_OK
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.output.day_summary import SUMMARY_VERSION
from assurance_jobs.output.html import DAY_SUMMARY
from assurance_jobs.output.status import STATUS_LABELS, WAIVED
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import latest_snapshot
from assurance_jobs.steps.layout import inventory_prefix, output_day_dir, snapshot_prefix

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
    """What the run published for this partition: the day's one summary (`day-summary.json`, which the report's
    banner and cards were rendered from) with where the run's snapshot, inventory and outputs are."""
    storage = storage_for(config.storage_root)
    summary: dict[str, Any] = {"partition_date": partition_date.isoformat(), "dagster_run_id": run_id}
    published = published_summary(config, partition_date)
    snapshot = latest_snapshot(storage, partition_date)
    if snapshot is None:
        summary["snapshot"] = None
        return summary
    if published is None:
        summary["snapshot"] = {"location": snapshot.location, "snapshot_id": snapshot.manifest.snapshot_id}
        summary["published"] = False
        return summary
    summary.update(published)
    summary["partition_date"] = partition_date.isoformat()
    summary["snapshot"] = {
        "location": storage.location(snapshot_prefix(partition_date, published["snapshot_id"])),
        "snapshot_id": published["snapshot_id"],
        "taken_at": published["as_of"],
    }
    summary["inventory"] = {
        "location": storage.location(inventory_prefix(partition_date)),
        "identities": published["identities"]["by_kind"],
        "credentials": published["credentials"]["by_kind"],
    }
    summary["outputs"] = _outputs(config, partition_date)
    return summary


def published_summary(config: AssuranceConfig, partition_date: date) -> dict[str, Any] | None:
    """The day's `day-summary.json` as the report wrote it (None: no report of this version is published)."""
    path = output_day_dir(config.output_dir, partition_date) / DAY_SUMMARY
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if document.get("summary_version", 0) >= SUMMARY_VERSION else None


def evidence_incomplete(config: AssuranceConfig, partition_date: date) -> bool:
    """True when the published day says its evidence is incomplete (exit code 3): the banner's own verdict. A day
    without a published summary is incomplete — nothing proves otherwise."""
    published = published_summary(config, partition_date)
    return published is None or not published["evidence"]["complete"]


def exit_code(config: AssuranceConfig, partition_date: date) -> int:
    """The exit code of a run (or the demo) whose steps all succeeded: the published summary decides."""
    return EXIT_INCOMPLETE if evidence_incomplete(config, partition_date) else EXIT_OK


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


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 account`, `2 accounts`: counts read as they are said."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The summary as aligned text: a label column, then values; tables inside keep their own columns."""
    lines = [f"assurance-jobs — partition {summary['partition_date']} (Dagster run {summary['dagster_run_id']})"]

    def row(label: str, value: str) -> None:
        lines.append(f"  {label:<{LABEL_WIDTH}}{value}")

    snapshot = summary.get("snapshot")
    if snapshot is None:
        row("snapshot", "no snapshot stored for this day")
        return lines
    if summary.get("published") is False:
        row("snapshot", snapshot["location"])
        row("report", "no report of this day is published (a failed or older run): nothing to summarise")
        return lines
    row("snapshot", f"{snapshot['location']}  (as of {snapshot['taken_at']})")
    row("accounts", ", ".join(summary["accounts"]) or "(none reachable)")
    coverage = summary.get("coverage")
    if coverage:
        tally = ", ".join(f"{count} {state}" for state, count in coverage["by_collection"].items())
        row("coverage", f"{plural(coverage['accounts'], 'account')}: {tally}")
        lines += _table([[a["account_id"], a["name"], a["ou_path"], a["collection"]] for a in coverage["not_complete"]])
    lines += _evidence_lines(summary["evidence"], row)
    for number, disabled in enumerate(summary.get("disabled_rules") or []):
        row(
            "" if number else "disabled",
            f"{disabled['rule_id']} not evaluated: {disabled['justification']} (approved by {disabled['approver']})",
        )
    inventory = summary.get("inventory")
    if inventory:
        row("inventory", inventory["location"])
        identities, credentials = summary.get("identities") or {}, summary.get("credentials") or {}
        row(
            "",
            f"{_total(identities, inventory['identities'], 'identity', 'identities')}; "
            f"{_total(credentials, inventory['credentials'], 'credential')}",
        )
    lines += runtime_coverage_lines(summary.get("runtime_coverage"))
    rules = summary.get("rules")
    if rules:
        row(
            "rules",
            f"{rules['evaluated']} evaluated: {rules['FAIL']} FAIL, {rules['INCOMPLETE']} INCOMPLETE, "
            f"{rules['PASS']} PASS" + (f", {rules[WAIVED]} {STATUS_LABELS[WAIVED]}" if rules.get(WAIVED) else ""),
        )
        lines += _table([[f["rule_id"], f"{f['open']:,}", f["title"]] for f in rules["failing"]], right={1})
    findings = summary.get("findings")
    if findings:
        row("findings", _findings_line(findings, summary))
    for warning in summary.get("warnings") or []:
        row("warning", warning)
    outputs = summary.get("outputs") or {}
    for number, (label, path) in enumerate(outputs.items()):
        width = max(len(name) for name in outputs)
        row("outputs" if number == 0 else "", f"{label:<{width}}  {path}")
    return lines


def _evidence_lines(evidence: dict[str, Any], row: Any) -> list[str]:
    """The evidence verdict as the report's banner states it: complete only when every call returned everything
    and every rule scope was judged; otherwise what could not be collected and what was not given."""
    lines: list[str] = []
    calls = plural(evidence["api_calls"], "API call")
    if evidence["complete"]:
        row("evidence", f"complete ({calls}; every rule scope judged)")
        return lines
    scopes = evidence.get("incomplete_scopes", 0)
    missing = evidence["not_collected"]
    row(
        "evidence",
        f"INCOMPLETE — {plural(scopes, 'rule scope')} could not be judged; "
        f"{len(missing)} of {calls} did not complete" + (":" if missing else ""),
    )
    lines += _table(
        [[m["api"], m["region"], f"account {m['account_id']}", m["status"], m["error_code"]] for m in missing]
    )
    recorded = {(m["account_id"], m["api"], m["region"]) for m in missing}
    unrecorded = [
        gap
        for gap in evidence.get("could_not_collect") or []
        if (gap.get("account_id"), gap.get("api"), gap.get("region")) not in recorded and gap["rules"]
    ]
    for number, gap in enumerate(unrecorded):
        where = f"{gap['source']} ({gap.get('region') or 'global'}, account {gap.get('account_id')})"
        row("" if number else "not collected", f"{where} {gap.get('status')}: {', '.join(gap['rules'])} INCOMPLETE")
    for number, gap in enumerate(evidence.get("not_configured") or []):
        row("" if number else "not given", f"{gap['why']}: {', '.join(gap['rules'])} INCOMPLETE")
    return lines


def _findings_line(findings: dict[str, Any], summary: dict[str, Any]) -> str:
    """72 findings: 71 open (20 new, 3 overdue), 1 waived; 4 resolved since <day> — the counts the cards show."""
    parts = [f"{findings['new']} new"]
    if findings.get("reopened"):
        parts.append(f"{findings['reopened']} re-opened")
    parts.append(f"{findings['overdue']} overdue")
    text = f"{plural(findings['total'], 'finding')}: {findings['open']} open ({', '.join(parts)}), "
    text += f"{findings['waived']} waived"
    if findings.get("resolved") is not None and summary.get("compared_with"):
        text += f"; {findings['resolved']} resolved since {summary['compared_with']}"
    if summary.get("missing_days"):
        text += f" (nothing stored for {plural(len(summary['missing_days']), 'day')} between)"
    return text


def _total(totals: dict[str, Any], by_kind: dict[str, int], one: str, many: str | None = None) -> str:
    total = int(totals.get("total", sum(by_kind.values())))
    kinds = ", ".join(f"{count} {kind}" for kind, count in by_kind.items())
    return plural(total, one, many) + (f" ({kinds})" if kinds else "")


def runtime_coverage_lines(coverage: dict[str, Any] | None) -> list[str]:
    """How many NHIs runtime judges against an approved baseline, only against learned behaviour, not at all."""
    if not coverage or not coverage.get("nhis"):
        return []
    head = f"  {'runtime':<{LABEL_WIDTH}}{coverage['nhis']} NHIs: {coverage['approved']} against an approved baseline, "
    head += f"{coverage['learned']} against learned behaviour only, {coverage['not_judged']} not judged"
    reasons = [[f"{count:,}", why] for why, count in coverage.get("why_not_judged", {}).items()]
    return [head, *_table(reasons, right={0})]


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
