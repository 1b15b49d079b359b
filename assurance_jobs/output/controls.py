"""One page per framework control: its text, the rules that automate it, their findings and the evidence behind them.

An auditor testing AC-2(3) wants one page to cite: what the control says, which rules evidence it and with what
result, which identities fail, and which snapshot files (with digests) and collection calls the verdict rests on.
Findings are capped per page (the full lists are one click away on the rule pages) so that a 100k-finding estate
does not copy every finding onto each of ~90 control pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from assurance_jobs.output import views as vw
from assurance_jobs.output.accounts import control_breakdown

CONTROL_FINDINGS_SHOWN = 200
CONTROL_IDENTITIES_SHOWN = 100
CONFIGURED_INPUTS = {
    "directory_feed": "HR/IdP directory feed (configured file)",
    "baseline": "approved baseline (configured folder)",
    "previous_partition": "the previous stored day (for drift)",
}


def control_href(framework_id: str, control_id: str) -> str:
    """Link (relative to the report root) to a control's page."""
    return f"controls/{vw.file_name(framework_id)}/{vw.file_name(control_id)}.html"


def rule_control_links(frameworks: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Rule id → the controls it evidences, as links, in framework order (rule pages list them)."""
    links: dict[str, list[dict[str, str]]] = defaultdict(list)
    for fw in frameworks:
        for control in fw["controls"]:
            for rule_id in control["rule_ids"]:
                links[rule_id].append({"framework": fw["name"], "control": control["id"], "href": control["href"]})
    return dict(links)


def source_of(path: str) -> str:
    """The source a snapshot file holds, from its name ('…/123/secretsmanager_secrets.eu-west-1.json')."""
    return path.rsplit("/", 1)[-1].split(".", 1)[0]


def control_pages(model: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(relative path, context) for every control of every framework in the catalogue."""
    collection = model.collection_rows()
    files = model.evidence_files()
    for fw in model.frameworks:
        for control in fw["controls"]:
            yield control["href"], _context(model, fw, control, collection, files)


def _context(
    model: Any, fw: dict[str, Any], control: dict[str, Any], collection: list[dict], files: list[dict]
) -> dict[str, Any]:
    rule_ids = control["rule_ids"]
    rows = [row for rid in rule_ids for row in model.rows_by_rule.get(rid, []) if row["status"] != "waived"]
    shown = rows[:CONTROL_FINDINGS_SHOWN]
    sources = sorted({s for rid in rule_ids for s in model.rules[rid].get("depends_on") or []})
    return {
        "fw": fw,
        "c": control,
        "rules": [{**model.rules[rid], "open": model.open_by_rule.get(rid, 0)} for rid in rule_ids],
        "accounts": control_breakdown(control, model.account_statuses, rows, model.ous),
        "findings_total": len(rows),
        "findings_shown": len(shown),
        "runs": vw.runs_by_source(shown),
        "identities": [
            {"arn": arn, "href": vw.identity_href(arn)} for arn in control["identities"][:CONTROL_IDENTITIES_SHOWN]
        ],
        "collection": [row for row in collection if row["source"] in sources],
        "files": [f for f in files if f["kind"] == "snapshot" and source_of(f["path"]) in sources],
        "inputs": [CONFIGURED_INPUTS[s] for s in sources if s in CONFIGURED_INPUTS],
        "sources": sources,
    }
