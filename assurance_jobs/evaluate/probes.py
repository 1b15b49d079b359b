"""Judge the `probes` table: one verdict per rule and probe target, GX deciding which rows fail.

The scope of a probe rule is one target (`account_id` = `probe:<target>`), not an AWS account: a target the
rule applies to (its row condition, e.g. a second resource configured) gets PASS, FAIL or INCOMPLETE; one it
does not apply to gets no row. A rule no target applies to — no probes configured, or none with a revocation
probe — was never tested: it gets one INCOMPLETE row (scope `probe:*`) whose reason names what is not
configured, so the summary, the exports and the exit code count it. A target whose fact is NA — the probe did
not run, or its evidence could not settle the question — is INCOMPLETE, and is not reported as a finding even
though GX counts a null as unexpected.

A rule may carry a `severity_ladder` in its meta (NHI-PRB-001 does): the severity of each failing target is then
read from a fact — how long after expiry a token still worked — against thresholds kept in the suite, so the
thresholds are reviewed data, not code. The rule's own `severity` stays the worst case the ladder can reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from assurance_jobs.evaluate.engine import Evaluation
from assurance_jobs.evaluate.findings import combine_findings, empty_findings, rule_findings
from assurance_jobs.evaluate.gx_runner import RuleOutcome, run_rules
from assurance_jobs.evaluate.results import not_evaluated, results_frame
from assurance_jobs.evaluate.suites import SEVERITIES, Rule, Suite, SuiteError, all_rules

SUBJECT = "probes"


def probe_rules(suites: Sequence[Suite]) -> list[Rule]:
    return [rule for rule in all_rules(suites) if rule.subject == SUBJECT]


def _unknown(table: pd.DataFrame, rule: Rule) -> np.ndarray:
    return table[rule.column].isna().to_numpy() | (table["probe_status"] == "not_run").to_numpy()


def _ladder_problem(rule: Rule, message: str) -> SuiteError:
    return SuiteError(f"{rule.suite_path}: {rule.rule_id}: meta.severity_ladder {message}")


def _ladder_steps(rule: Rule, ladder: dict) -> list[tuple[float, str]]:
    steps = ladder.get("steps")
    if not isinstance(steps, list) or not steps:
        raise _ladder_problem(rule, "needs a non-empty list of steps ({at_least_seconds, severity})")
    parsed = []
    for step in steps:
        at_least, severity = (step or {}).get("at_least_seconds"), (step or {}).get("severity")
        if not isinstance(at_least, int | float) or severity not in SEVERITIES:
            raise _ladder_problem(rule, f"step {step!r} needs a number at_least_seconds and a known severity")
        parsed.append((float(at_least), str(severity)))
    return sorted(parsed)


def ladder_severities(rule: Rule, table: pd.DataFrame) -> list[str]:
    """Each row's severity: the rule's own, or the ladder's step for the fact it reads (still accepted at the last
    look takes the ladder's `still_accepted_severity`)."""
    ladder = rule.meta.get("severity_ladder")
    if ladder is None:
        return [rule.severity] * len(table)
    if not isinstance(ladder, dict) or ladder.get("column") not in table.columns:
        raise _ladder_problem(rule, "must name a column of the probes table")
    steps = _ladder_steps(rule, ladder)
    still_column, still_severity = ladder.get("still_accepted_column"), ladder.get("still_accepted_severity")
    if still_column is not None and (still_column not in table.columns or still_severity not in SEVERITIES):
        raise _ladder_problem(rule, "still_accepted_column/still_accepted_severity must name a column and a severity")
    severities = []
    for position in range(len(table)):
        still = table[still_column].iat[position] if still_column is not None else None
        if still is not None and not pd.isna(still) and bool(still):
            severities.append(str(still_severity))
            continue
        value = table[ladder["column"]].iat[position]
        reached = [severity for at_least, severity in steps if not pd.isna(value) and value >= at_least]
        severities.append(reached[-1] if reached else rule.severity)
    return severities


def _result_rows(outcome: RuleOutcome, table: pd.DataFrame, failed: np.ndarray) -> list[dict[str, object]]:
    rule = outcome.rule
    unknown = _unknown(table, rule)
    failing = np.zeros(len(table), dtype=bool)
    failing[failed] = True
    severities = ladder_severities(rule, table)
    rows = []
    for position in np.flatnonzero(outcome.in_scope):
        status = "INCOMPLETE" if unknown[position] else ("FAIL" if failing[position] else "PASS")
        rows.append(
            {
                "rule_id": rule.rule_id,
                "family": rule.family,
                "title": rule.title,
                "severity": severities[position] if status == "FAIL" else rule.severity,
                "account_id": str(table["account_id"].iat[position]),
                "region": None,
                "status": status,
                "evaluated": 0 if unknown[position] else 1,
                "failed": int(failing[position]),
                "missing_sources": ",".join(rule.depends_on) if unknown[position] else "",
                "reason": None,
            }
        )
    if not rows:
        rows.append(not_evaluated(rule, _why_untested(rule, table)))
    return rows


def _why_untested(rule: Rule, table: pd.DataFrame) -> str:
    """What configuration is missing for `rule` to reach any target: none at all, or none of the kind it needs."""
    if table.empty:
        return "no probe targets are configured (a probes: section, docs/probes.md)"
    targets = ", ".join(sorted(str(target) for target in table["target"]))
    needed = rule.meta.get("not_configured") or "no configured probe target is in this rule's scope"
    return f"{needed} (probes: {targets})"


def evaluate_probes(
    probes: pd.DataFrame, suites: Sequence[Suite], *, probe_run_id: str, partition_date: date | str
) -> Evaluation:
    """Findings and per-target results of the probe rules over the day's `probes` table."""
    rules = probe_rules(suites)
    table = probes.reset_index(drop=True)
    if not rules:
        return Evaluation(findings=empty_findings(), rule_results=results_frame([]))
    if table.empty:
        rows = [not_evaluated(rule, _why_untested(rule, table)) for rule in rules]
        return Evaluation(findings=empty_findings(), rule_results=results_frame(rows))
    day = partition_date.isoformat() if isinstance(partition_date, date) else str(partition_date)
    outcomes = run_rules(table, rules, SUBJECT)
    findings, results = [], []
    for rule in rules:
        outcome = outcomes[rule.rule_id]
        judged = outcome.failed[~_unknown(table, rule)[outcome.failed]]
        judged_outcome = RuleOutcome(rule, outcome.in_scope, judged)
        rule_rows = rule_findings(judged_outcome, table, pd.DataFrame(), probe_run_id, day)
        findings.append(_with_ladder(rule_rows, rule, table))
        results.extend(_result_rows(outcome, table, judged))
    return Evaluation(findings=combine_findings(findings), rule_results=results_frame(results))


def _with_ladder(findings: pd.DataFrame, rule: Rule, table: pd.DataFrame) -> pd.DataFrame:
    """A finding's severity from the rule's ladder, by its target (findings carry the target's scope key)."""
    if findings.empty or "severity_ladder" not in rule.meta:
        return findings
    by_scope = dict(zip(table["account_id"].astype(str), ladder_severities(rule, table), strict=True))
    findings = findings.copy()
    findings["severity"] = [by_scope.get(str(scope), rule.severity) for scope in findings["account_id"]]
    return findings


def merge_evaluations(daily: Evaluation, probes: Evaluation) -> Evaluation:
    """One day's judgement: the daily rules' and the probes', in rule-id order like every evaluation."""
    if probes.rule_results.empty and probes.findings.empty:
        return daily
    findings = pd.concat([daily.findings, probes.findings], ignore_index=True)
    results = pd.concat([daily.rule_results, probes.rule_results], ignore_index=True)
    return Evaluation(
        findings=findings.sort_values("rule_id", kind="mergesort", ignore_index=True),
        rule_results=results.sort_values("rule_id", kind="mergesort", ignore_index=True),
        incomplete_resources=daily.incomplete_resources,
    )
