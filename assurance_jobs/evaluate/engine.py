"""evaluate(): inventory tables + rule suites -> findings and per-scope rule results.

Pure with respect to the outside world (no AWS, no Dagster, no files): the Dagster asset reads the tables and the
suites and hands them in, so the same call runs in tests, benchmarks and the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from assurance_jobs.evaluate.findings import combine_findings, identity_lookup, rule_findings
from assurance_jobs.evaluate.gx_runner import RuleOutcome, run_rules
from assurance_jobs.evaluate.results import Evidence, ScopeKeys, is_regional, results_frame, rule_results
from assurance_jobs.evaluate.suites import SUBJECTS, Suite, all_rules, check_unique_rule_ids
from assurance_jobs.schema import AGENT_COLUMNS


@dataclass(frozen=True)
class Evaluation:
    """The judgement of one snapshot: failing resources, and a verdict per rule and scope."""

    findings: pd.DataFrame
    rule_results: pd.DataFrame
    incomplete_resources: pd.DataFrame = field(default_factory=lambda: empty_incomplete_resources())


INCOMPLETE_RESOURCE_COLUMNS: tuple[str, ...] = (
    "rule_id",
    "account_id",
    "region",
    "resource_arn",
    "status",
    "reason",
    "source_file",
    "source_sha256",
)


def empty_incomplete_resources() -> pd.DataFrame:
    return pd.DataFrame({name: [] for name in INCOMPLETE_RESOURCE_COLUMNS}, dtype=object)


def gap_columns(outcome: RuleOutcome, table: pd.DataFrame) -> list[str]:
    """The count columns meta `incomplete_if` names (one name or a list) that the table has."""
    named = outcome.rule.meta.get("incomplete_if") or []
    columns = [named] if isinstance(named, str) else list(named)
    return [column for column in columns if column in table.columns]


def evidence_gaps(outcome: RuleOutcome, table: pd.DataFrame) -> np.ndarray:
    """Positions of in-scope rows whose own evidence is incomplete (a positive count in an `incomplete_if` column).

    A principal with an attached policy whose document is not in the snapshot, or cannot be parsed, cannot be
    declared free of admin or escalation paths: such rows make their scope INCOMPLETE even though every API call
    succeeded, and are listed one by one as incomplete resources.
    """
    gaps = np.zeros(len(table), dtype=bool)
    for column in gap_columns(outcome, table):
        gaps |= table[column].fillna(0).to_numpy(dtype=float) > 0
    return np.flatnonzero(outcome.in_scope & gaps)


def incomplete_resource_rows(outcome: RuleOutcome, table: pd.DataFrame, gaps: np.ndarray) -> pd.DataFrame:
    """One row per (rule, resource) whose verdict is unknown, naming the count that made it so."""
    if not len(gaps):
        return empty_incomplete_resources()
    rows = table.take(gaps)
    columns = gap_columns(outcome, table)
    reasons = [
        ", ".join(f"{column}={int(row[column])}" for column in columns if (row[column] or 0) > 0)
        for _, row in rows[columns].fillna(0).iterrows()
    ]
    resource = "agent_id" if outcome.rule.subject == "agents" else "arn"
    frame = pd.DataFrame(
        {
            "rule_id": outcome.rule.rule_id,
            "account_id": rows["account_id"].to_numpy(dtype=object),
            "region": None,
            "resource_arn": rows[resource].to_numpy(dtype=object),
            "status": "INCOMPLETE",
            "reason": reasons,
            "source_file": rows["source_file"].to_numpy(dtype=object) if "source_file" in rows else None,
            "source_sha256": rows["source_sha256"].to_numpy(dtype=object) if "source_sha256" in rows else None,
        },
        dtype=object,
    )
    return frame[list(INCOMPLETE_RESOURCE_COLUMNS)].sort_values(["account_id", "resource_arn"], kind="mergesort")


def empty_agents() -> pd.DataFrame:
    """No registry configured: an empty agents table with the right columns, so agent rules see zero rows."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in AGENT_COLUMNS.items()})


def _positional(table: pd.DataFrame) -> pd.DataFrame:
    """Rows addressed by position everywhere downstream, so the index the caller used does not matter."""
    return table.reset_index(drop=True)


def _outcomes(tables: dict[str, pd.DataFrame], suites: Sequence[Suite]) -> list[RuleOutcome]:
    # Subjects without a table here (the `probes` table) are judged per target by their own evaluation.
    rules = [rule for rule in all_rules(suites) if rule.subject in tables]
    outcomes: dict[str, RuleOutcome] = {}
    for subject in (subject for subject in SUBJECTS if subject in tables):
        subject_rules = [rule for rule in rules if rule.subject == subject]
        outcomes.update(run_rules(tables[subject], subject_rules, subject))
    return [outcomes[rule.rule_id] for rule in rules]


@dataclass(frozen=True)
class EvaluationInputs:
    """Everything one evaluation judges, read from storage by the evaluation step (or built by a test).

    `tables`: subject table name → the day's inventory frame (identities, credentials, agents, …); a subject with
    no table here is judged elsewhere (the probes) or has no rows. `inputs_present`: the configured inputs and
    history the inventory was built with (directory_feed, baseline, previous_partition, cloudtrail_history) — a
    rule that depends on one that is absent reads INCOMPLETE. `input_files`: per input, the citation its findings
    carry ("path sha256:…").
    """

    tables: Mapping[str, pd.DataFrame]
    collection_status: pd.DataFrame
    suites: Sequence[Suite]
    snapshot_id: str
    partition_date: date | str
    inputs_present: frozenset[str] = frozenset()
    input_files: Mapping[str, str] = field(default_factory=dict)


def evaluate(inputs: EvaluationInputs) -> Evaluation:
    """Run every rule of the suites over the inventory tables of one snapshot."""
    check_unique_rule_ids(inputs.suites)
    tables = {name: _positional(frame) for name, frame in inputs.tables.items() if name != "agents"}
    agents = inputs.tables.get("agents")
    tables["agents"] = _positional(agents if agents is not None and len(agents.columns) else empty_agents())
    day = inputs.partition_date
    day = day.isoformat() if isinstance(day, date) else str(day)
    evidence = Evidence.build(inputs.collection_status, tables.values(), set(inputs.inputs_present))
    lookup = identity_lookup(tables["identities"])
    keys = {
        (subject, regional): ScopeKeys.build(table, regional)
        for subject, table in tables.items()
        for regional in (False, True)
    }
    findings, results, unknown = [], [], [empty_incomplete_resources()]
    for outcome in _outcomes(tables, inputs.suites):
        rule = outcome.rule
        table = tables[rule.subject]
        findings.append(rule_findings(outcome, table, lookup, inputs.snapshot_id, day, inputs.input_files))
        gaps = evidence_gaps(outcome, table)
        results.extend(rule_results(outcome, keys[(rule.subject, is_regional(rule))], evidence, gaps))
        unknown.append(incomplete_resource_rows(outcome, table, gaps))
    incomplete = pd.concat(unknown, ignore_index=True).astype(object)
    return Evaluation(
        findings=combine_findings(findings),
        rule_results=results_frame(results),
        incomplete_resources=incomplete.where(incomplete.notna(), None),
    )
