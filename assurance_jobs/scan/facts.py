"""Join analysis facts onto the inventory rows: policy engine, baseline, agents, drift (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd

from assurance_jobs.baseline.drift import DriftReport, compute_drift
from assurance_jobs.baseline.facts import agent_facts, baseline_identity_facts
from assurance_jobs.baseline.model import EMPTY_BASELINE, Baseline
from assurance_jobs.baseline.registry import RegistryAgent
from assurance_jobs.scan.inventory import NOT_IN_SNAPSHOT, Inventory
from assurance_jobs.scan.principal_facts import permissions_by_principal, policy_facts_for


def inventory_with_policy_facts(inventory: Inventory, known_accounts: list[str]) -> Inventory:
    """Identities gain effective-permission, escalation and trust facts computed over their combined policies."""
    facts = policy_facts_for(inventory.policies, inventory.identities, known_accounts)
    facts["policy_documents_missing"] = _missing_documents(inventory.policies, facts["arn"])
    return replace(inventory, identities=_merged(inventory.identities, facts))


def _missing_documents(policies: pd.DataFrame, arns: pd.Series) -> pd.Series:
    """Attached policies whose document the snapshot does not hold (e.g. an AWS-managed policy the source
    omitted): the principal's effective permissions are unknown, so its least-privilege verdicts are INCOMPLETE."""
    if policies.empty:
        return pd.Series(0, index=arns.index, dtype="int64")
    absent = policies[(policies["parse_error"] == NOT_IN_SNAPSHOT) & (policies["attachment"] != "trust")]
    counts = absent.groupby("principal_arn").size()
    return arns.map(counts).fillna(0).astype("int64")


DRIFT_FACT_COLUMNS = {
    "drift_permissions_outside_baseline": "object",
    "drift_permissions_outside_baseline_count": "Int64",
    "drift_trust_outside_baseline": "object",
    "drift_trust_outside_baseline_count": "Int64",
}


def inventory_with_baseline_facts(
    inventory: Inventory,
    baseline: Baseline | None,
    registry: RegistrySource | None,
    taken_at: datetime,
    previous: Inventory | None,
) -> tuple[Inventory, DriftReport | None]:
    """Baseline facts on identities, the `agents` table, and drift against the previous stored day.

    Without a previous day the drift columns stay empty (NA): the drift rules then read INCOMPLETE for that
    day rather than PASS, because "no change" cannot be claimed without something to compare with. Without a
    baseline (None) nothing is approved and nothing is judged unapproved: the agents' counts are NA too.
    """
    configured = baseline is not None
    baseline = baseline if baseline is not None else EMPTY_BASELINE
    perms = permissions_by_principal(inventory.policies)
    facts = baseline_identity_facts(inventory.identities, inventory.policies, perms, baseline, taken_at)
    identities = _merged(inventory.identities, facts)
    agents = agent_facts(
        registry.agents if registry else [],
        identities,
        baseline,
        registry.source_file if registry else None,
        registry.source_sha256 if registry else None,
    )
    if not configured:
        agents["unapproved_scope_count"] = pd.Series(pd.NA, index=agents.index, dtype="Int64")
    current = replace(inventory, identities=identities, agents=agents)
    drift = None
    if previous is not None:
        drift = compute_drift(
            previous, current, permissions_by_principal(previous.policies), perms, taken_at=taken_at, baseline=baseline
        )
    return replace(current, identities=_with_drift_facts(identities, drift)), drift


@dataclass(frozen=True)
class RegistrySource:
    """The agent registry as read from the snapshot, with the file it came from."""

    agents: list[RegistryAgent]
    source_file: str
    source_sha256: str


def _merged(identities: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    fact_columns = [column for column in facts.columns if column not in ("account_id", "arn")]
    base = identities.drop(columns=[column for column in fact_columns if column in identities.columns])
    return base.merge(facts, on=["account_id", "arn"], how="left", validate="one_to_one")


def _with_drift_facts(identities: pd.DataFrame, drift: DriftReport | None) -> pd.DataFrame:
    facts = identities[["account_id", "arn"]].copy()
    if drift is None:
        for column, dtype in DRIFT_FACT_COLUMNS.items():
            facts[column] = pd.Series([pd.NA] * len(facts), dtype=dtype, index=facts.index)
        return _merged(identities, facts)
    permissions = drift.permission_changes.set_index("arn")
    trust = drift.trust_changes.set_index("arn")
    facts["drift_permissions_outside_baseline"] = facts["arn"].map(permissions["added_outside_baseline"]).fillna("")
    facts["drift_permissions_outside_baseline_count"] = _counts(facts["arn"], permissions)
    facts["drift_trust_outside_baseline"] = facts["arn"].map(trust["added_outside_baseline"]).fillna("")
    facts["drift_trust_outside_baseline_count"] = _counts(facts["arn"], trust)
    return _merged(identities, facts.astype(DRIFT_FACT_COLUMNS))


def _counts(arns: pd.Series, changes: pd.DataFrame) -> pd.Series:
    """Identities present on both days with no change count 0; new identities too (their drift is 'added')."""
    return arns.map(changes["added_outside_baseline_count"]).fillna(0).astype("Int64")
