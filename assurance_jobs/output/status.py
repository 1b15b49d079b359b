"""Pure judgements the report shows: rule status, control status, evidence gaps and day-over-day changes.

Kept apart from the HTML so the rules of aggregation can be tested as plain functions. The one principle:
missing evidence is never a pass. A rule with an INCOMPLETE scope and no failure is INCOMPLETE; a rule with no
result at all is INCOMPLETE ("not evaluated"); a control is PASS only when every rule behind it passed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from assurance_jobs.evaluate.results import ROW_EVIDENCE_GAP
from assurance_jobs.sources import registry

PASS, FAIL, INCOMPLETE, WAIVED, NOT_COVERED = "PASS", "FAIL", "INCOMPLETE", "WAIVED", "NOT_COVERED"
STATUS_LABELS: dict[str, str] = {
    PASS: "PASS",
    FAIL: "FAIL",
    INCOMPLETE: "INCOMPLETE",
    WAIVED: "PASS (failures waived)",
    NOT_COVERED: "not covered by automation",
}
_CONTROL_PRECEDENCE = (FAIL, INCOMPLETE, WAIVED, PASS)
CHANGE_KEY = ["rule_id", "resource_arn"]


def open_mask(findings: pd.DataFrame) -> pd.Series:
    """Findings that still count against the estate: open, or re-opened by an expired waiver."""
    if "waiver_status" not in findings.columns:
        return pd.Series(True, index=findings.index)
    return findings["waiver_status"].fillna("open") != "waived"


def with_waived_scopes(rule_results: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Rule results as published: a FAIL scope whose every failure is waived reads WAIVED.

    The one place this is decided, so the CLI summary, the HTML summary and rule pages, findings.json's
    rule_results, the asset check and the trend all say the same thing about a rule whose only failures are
    waived. `findings` carry the waiver columns (`apply_waivers`); an expired waiver leaves the scope FAIL.
    """
    if not len(rule_results):
        return rule_results
    open_rows = findings[open_mask(findings)] if len(findings) else findings
    open_keys = {
        (str(rule), str(account), None if _text(region) is None else str(region))
        for rule, account, region in zip(
            open_rows.get("rule_id", []), open_rows.get("account_id", []), open_rows.get("region", []), strict=True
        )
    }
    result = rule_results.copy()
    keys = zip(result["rule_id"], result["account_id"], result["region"], strict=True)
    waived = [
        status == FAIL and (str(rule), str(account), _text(region)) not in open_keys
        for status, (rule, account, region) in zip(result["status"], keys, strict=True)
    ]
    result.loc[pd.Series(waived, index=result.index, dtype=bool), "status"] = WAIVED
    return result


def open_counts_by_family(findings: pd.DataFrame) -> dict[str, int]:
    """Open (not waived) findings per family: what the trend chart plots for a day."""
    if not len(findings):
        return {}
    counts = findings.loc[open_mask(findings), "family"].value_counts()
    return {str(family): int(count) for family, count in counts.items()}


def rule_statuses(rule_ids: Iterable[str], rule_results: pd.DataFrame, findings: pd.DataFrame) -> dict[str, str]:
    """One status per rule across all its scopes: FAIL beats INCOMPLETE beats WAIVED beats PASS."""
    open_counts = findings.loc[open_mask(findings), "rule_id"].value_counts().to_dict() if len(findings) else {}
    any_counts = findings["rule_id"].value_counts().to_dict() if len(findings) else {}
    by_rule = {rid: set(group["status"]) for rid, group in rule_results.groupby("rule_id")} if len(rule_results) else {}
    statuses = {}
    for rule_id in sorted(set(rule_ids)):
        scopes = by_rule.get(rule_id, set())
        n_open, n_any = open_counts.get(rule_id, 0), any_counts.get(rule_id, 0)
        if n_open or (FAIL in scopes and not n_any):
            statuses[rule_id] = FAIL
        elif INCOMPLETE in scopes or not scopes:
            statuses[rule_id] = INCOMPLETE
        elif n_any:
            statuses[rule_id] = WAIVED
        else:
            statuses[rule_id] = PASS
    return statuses


def control_status(statuses: Sequence[str]) -> str:
    """A control's status from the statuses of the rules behind it; no rules means not covered."""
    if not statuses:
        return NOT_COVERED
    for status in _CONTROL_PRECEDENCE:
        if status in statuses:
            return status
    return INCOMPLETE


def rules_by_control(rules: Sequence[Mapping[str, Any]], framework_id: str) -> dict[str, list[str]]:
    """Control id → sorted rule ids citing it in `meta.controls[framework_id]`."""
    mapping: dict[str, set[str]] = {}
    for rule in rules:
        for control_id in (rule.get("controls") or {}).get(framework_id, []):
            mapping.setdefault(str(control_id), set()).add(str(rule["rule_id"]))
    return {control_id: sorted(rule_ids) for control_id, rule_ids in mapping.items()}


def incomplete_scopes(rule_results: pd.DataFrame) -> list[dict[str, Any]]:
    """INCOMPLETE (rule, account, region) scopes, sorted, for the evidence-completeness banner."""
    if not len(rule_results):
        return []
    rows = rule_results[rule_results["status"] == INCOMPLETE]
    scopes = [
        {
            "rule_id": str(row["rule_id"]),
            "account_id": str(row["account_id"]),
            "region": _text(row.get("region")) or "global",
            "missing_sources": _text(row.get("missing_sources")) or "",
        }
        for _, row in rows.iterrows()
    ]
    return sorted(scopes, key=lambda s: (s["account_id"], s["region"], s["rule_id"]))


def failed_collections(collection_status: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Collection calls that did not return everything (status other than ok), sorted."""
    rows = [
        {key: _text(row.get(key)) or "" for key in ("account_id", "source", "api", "region", "status", "error_code")}
        for row in collection_status
        if row.get("status") != "ok"
    ]
    for row in rows:
        row["region"] = row["region"] or "global"
    return sorted(rows, key=lambda r: (r["account_id"], r["source"], r["region"]))


NOT_COLLECTED = "not collected"


def _configurable(source: str, account: str) -> bool:
    """True when a source missing without any status row is an input this run was not given (not a failure).

    Optional sources, configured inputs and history are given or not; a probe target (`probe:<name>`) is
    configured, so its missing probe evidence is a probe that did not run or could not finish.
    """
    entry = registry.by_name().get(source)
    if entry is None:
        return False
    if entry.kind == "probe":
        return not account.startswith("probe:") or account == "probe:*"
    if entry.scope == "cluster":  # no cluster configured (scope k8s:*), not a cluster that failed
        return account == "k8s:*"
    return entry.optional or entry.kind in ("input", "history")


def evidence_gaps(
    rule_results: pd.DataFrame, collection_status: Iterable[Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """The banner's two lists: what could not be collected, and what was not configured, each with its rules.

    Both leave rules INCOMPLETE, but they call for different people: a denied, throttled, truncated or unreadable
    source is an access or collection problem of this run; a directory feed, trail, baseline or probe that was
    never configured is a decision about inputs. `could_not_collect` has one entry per failed collection call
    (listed even when no rule depends on it) and per source a scope misses without a recorded failure;
    `not_configured` one per missing setting or reason (the trail's two sources are one entry, `source` joining
    their names). Rules are sorted ids.
    """
    failed = failed_collections(collection_status)
    collected: dict[tuple[str, str, str], dict[str, Any]] = {}
    failed_by_source: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in failed:
        collected[(row["account_id"], row["source"], row["region"])] = {**row, "rules": set()}
        failed_by_source[row["account_id"], row["source"]].append(row)
    configured: dict[str, dict[str, Any]] = {}
    if len(rule_results):
        rows = rule_results[rule_results["status"] == INCOMPLETE]
        for scope in rows.to_dict("records"):
            _place(scope, failed_by_source, collected, configured)
    could_not = sorted(collected.values(), key=lambda r: (r["account_id"], r["source"], r["region"]))
    not_configured = sorted(configured.values(), key=lambda r: (sorted(r["sources"]), r["why"]))
    for entry in not_configured:
        entry["source"] = ", ".join(sorted(entry.pop("sources")))
    for entry in (*could_not, *not_configured):
        entry["rules"] = sorted(entry["rules"])
    return {"could_not_collect": could_not, "not_configured": not_configured}


def _place(
    scope: Mapping[str, Any],
    failed_by_source: Mapping[tuple[str, str], list[dict[str, Any]]],
    collected: dict[tuple[str, str, str], dict[str, Any]],
    configured: dict[str, dict[str, Any]],
) -> None:
    """File each missing source of one INCOMPLETE scope under a failed call, a gap, or an unconfigured input.

    `failed_by_source` holds the failed calls by (account, source): an organization has tens of thousands of
    INCOMPLETE scopes and thousands of failed calls, too many to compare every scope with every call."""
    rule, account = str(scope["rule_id"]), str(scope["account_id"])
    region = _text(scope.get("region"))
    for source in filter(None, (_text(scope.get("missing_sources")) or "").split(",")):
        calls = [
            row
            for row in failed_by_source.get((account, source), ())
            if region is None or row["region"] in (region, "global")
        ]
        for row in calls:
            collected[(row["account_id"], row["source"], row["region"])]["rules"].add(rule)
        if calls:
            continue
        if _configurable(source, account):
            why = _text(scope.get("reason")) or _unconfigured(source)
            entry = configured.setdefault(why, {"sources": set(), "why": why, "rules": set()})
            entry["sources"].add(source)
            entry["rules"].add(rule)
            continue
        # ROW_EVIDENCE_GAP is no registered source: an attached policy document absent from the snapshot or unparseable.
        status = "missing or unreadable" if source == ROW_EVIDENCE_GAP else NOT_COLLECTED
        key = (account, source, region or "global")
        entry = collected.setdefault(
            key,
            {"account_id": account, "source": source, "api": _api(source), "region": key[2], "status": status},
        )
        entry.setdefault("error_code", "")
        entry.setdefault("rules", set()).add(rule)


_NO_TRAIL = "no CloudTrail trail is configured (accounts[].cloudtrail or organization_trail)"
"""Why the trail's sources are missing: one message, so the banner and the CLI show them as one line."""
_WITH_TRAIL = tuple(source.name for source in registry.SOURCES if source.scope == "trail")
_NO_AGENTS = "AI agent discovery is off (accounts[].collect_agents or organization.collect_agents; docs/agents.md)"
_AGENT_DISCOVERY = tuple(source.name for source in registry.SOURCES if source.enabled_by == "collect_agents")

# The setting that supplies each optional input (README, "Configuration"), for the banner's "not configured" list.
# Sources collected only with the trail (the KMS key inventory) are missing for the trail's reason, not their own.
INPUT_SETTINGS: dict[str, str] = {
    "directory_feed": "no directory_feed is configured",
    "baseline": "no baseline_dir is configured",
    "agent_registry": "no agent_registry is configured",
    "cloudtrail_objects": _NO_TRAIL,
    "cloudtrail_activity": _NO_TRAIL,
    **dict.fromkeys(_WITH_TRAIL, _NO_TRAIL),
    "cloudtrail_history": "not enough fully covered CloudTrail days are stored yet",
    "previous_partition": "no earlier day is stored to compare with (the first stored day)",
    "token_probes": "no probe targets are configured (a probes: section)",
    **dict.fromkeys(_AGENT_DISCOVERY, _NO_AGENTS),
}


def _unconfigured(source: str) -> str:
    """What is missing, in the terms of the setting that would supply it (else what the source is)."""
    return INPUT_SETTINGS.get(source) or registry.source(source).description


def _api(source: str) -> str:
    entry = registry.by_name().get(source)
    return entry.api if entry is not None else "attached policy documents"


def changes(findings: pd.DataFrame, previous: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(new, resolved) findings keyed by rule_id + resource_arn, each sorted by that key."""
    current_keys = set(zip(findings["rule_id"], findings["resource_arn"], strict=True)) if len(findings) else set()
    previous_keys = set(zip(previous["rule_id"], previous["resource_arn"], strict=True)) if len(previous) else set()
    new = _rows_with_keys(findings, current_keys - previous_keys)
    resolved = _rows_with_keys(previous, previous_keys - current_keys)
    return new, resolved


def _rows_with_keys(frame: pd.DataFrame, keys: set[tuple[str, str]]) -> pd.DataFrame:
    if not len(frame) or not keys:
        return frame.iloc[0:0]
    keyed = pd.Series(list(zip(frame["rule_id"], frame["resource_arn"], strict=True)), index=frame.index)
    chosen = frame[keyed.isin(keys)]
    return chosen.sort_values(CHANGE_KEY, kind="mergesort").drop_duplicates(CHANGE_KEY)


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)
