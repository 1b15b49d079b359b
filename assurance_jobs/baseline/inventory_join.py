"""Join scan facts with baseline facts: baseline, agents and day-over-day drift onto the inventory (pure, no I/O).

This module sits above both `scan` (the inventory and policy facts) and `baseline` (the approved operating model,
agent registry and drift), so neither has to import the other's callers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pandas as pd

from assurance_jobs.baseline.agents import discovered_scope_masks
from assurance_jobs.baseline.approvals import agent_facts, baseline_identity_facts, resolve_approvals, tags_of
from assurance_jobs.baseline.drift import DriftReport, compute_drift
from assurance_jobs.baseline.model import EMPTY_BASELINE, Baseline
from assurance_jobs.baseline.registry import RegistryAgent, RegistrySource
from assurance_jobs.scan import actions
from assurance_jobs.scan.inventory import Inventory
from assurance_jobs.scan.policy_join import merge_facts
from assurance_jobs.scan.principal_permissions import permissions_by_principal
from assurance_jobs.scan.runtime import (
    Approvals,
    RuntimeEvidence,
    classify_keys,
    empty_activity_table,
    runtime_identity_facts,
    with_judged_secret_reads,
)
from assurance_jobs.schema import DRIFT_FACT_COLUMNS


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
    identities = merge_facts(inventory.identities, facts)
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


def _with_drift_facts(identities: pd.DataFrame, drift: DriftReport | None) -> pd.DataFrame:
    facts = identities[["account_id", "arn"]].copy()
    if drift is None:
        for column, dtype in DRIFT_FACT_COLUMNS.items():
            facts[column] = pd.Series([pd.NA] * len(facts), dtype=dtype, index=facts.index)
        return merge_facts(identities, facts)
    permissions = drift.permission_changes.set_index("arn")
    trust = drift.trust_changes.set_index("arn")
    facts["drift_permissions_outside_baseline"] = facts["arn"].map(permissions["added_outside_baseline"]).fillna("")
    facts["drift_permissions_outside_baseline_count"] = _counts(facts["arn"], permissions)
    facts["drift_trust_outside_baseline"] = facts["arn"].map(trust["added_outside_baseline"]).fillna("")
    facts["drift_trust_outside_baseline_count"] = _counts(facts["arn"], trust)
    return merge_facts(identities, facts.astype(DRIFT_FACT_COLUMNS))


def _counts(arns: pd.Series, changes: pd.DataFrame) -> pd.Series:
    """Identities present on both days with no change count 0; new identities too (their drift is 'added')."""
    return arns.map(changes["added_outside_baseline_count"]).fillna(0).astype("Int64")


# ------------------------------------------------------------------------------------------- runtime facts


def agent_scope_masks(agents: list[RegistryAgent], baseline: Baseline) -> dict[str, int]:
    """Runtime role ARN -> the IAM actions among its agent's approved tool scopes (scopes like 'tickets:read'
    are the agent platform's, not IAM's, and match nothing here)."""
    masks: dict[str, int] = {}
    for agent in agents:
        arn = _role_of(agent.runtime_identity_arn)
        mask = 0
        for scope in baseline.agents.get(agent.id, []):
            mask |= actions.expand_mask(scope)
        masks[arn] = masks.get(arn, 0) | mask
    return masks


def _role_of(arn: str) -> str:
    if ":assumed-role/" not in arn:
        return arn
    head, rest = arn.split(":assumed-role/", 1)
    return head.replace(":sts:", ":iam:") + ":role/" + rest.split("/", 1)[0]


def runtime_approvals(
    inventory: Inventory, baseline: Baseline | None, registry: RegistrySource | None, taken_at: datetime
) -> dict[str, Approvals]:
    """Per identity: the networks it may read secrets from and the actions it may call (baseline entries united,
    plus the IAM actions among its AI agent's approved tool scopes). No baseline: nothing is governed."""
    if baseline is None:
        return {}
    identities = inventory.identities
    resolved = resolve_approvals(identities, inventory.policies, baseline, taken_at)
    agent_masks = agent_scope_masks(registry.agents if registry else [], baseline)
    for role, mask in discovered_scope_masks(inventory.agents).items():  # the discovered agents' tool scopes
        agent_masks[role] = agent_masks.get(role, 0) | mask
    approvals = {}
    for arn, tags in zip(identities["arn"], identities["tags"], strict=True):
        entries = baseline.entries_for(arn, tags_of(tags))
        lists = [e.approved_networks for e in entries if e.approved_networks is not None]
        networks = tuple(n for items in lists for n in items) if lists else None
        mask = resolved[arn].action_mask if arn in resolved else None
        if arn in agent_masks:
            mask = (mask or 0) | agent_masks[arn]
        approvals[arn] = Approvals(networks, mask)
    return approvals


def inventory_with_runtime_facts(
    inventory: Inventory,
    evidence: RuntimeEvidence | None,
    baseline: Baseline | None,
    registry: RegistrySource | None,
    taken_at: datetime,
) -> Inventory:
    """Identities gain the runtime facts (scan/runtime.py); the day's activity becomes the `activity` table.

    Without evidence (no trail configured anywhere) every runtime fact is NA and the runtime rules read INCOMPLETE.
    """
    approvals = runtime_approvals(inventory, baseline, registry, taken_at) if evidence is not None else {}
    perms = permissions_by_principal(inventory.policies) if evidence is not None else {}
    selectors = baseline.secret_key_selectors if baseline is not None else None
    keys = classify_keys(evidence.kms_key_tags, selectors) if evidence is not None else None
    facts = runtime_identity_facts(inventory.identities, evidence, approvals, perms, keys)
    activity = with_judged_secret_reads(evidence.activity, keys) if evidence is not None else empty_activity_table()
    return replace(inventory, identities=merge_facts(inventory.identities, facts), activity=activity)
