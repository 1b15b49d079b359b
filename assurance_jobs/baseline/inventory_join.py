"""Join scan facts with baseline facts: baseline, agents and day-over-day drift onto the inventory (pure, no I/O).

This module sits above both `scan` (the inventory and policy facts) and `baseline` (the approved operating model,
agent registry and drift), so neither has to import the other's callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

import pandas as pd

from assurance_jobs.baseline.agents import discovered_scope_masks
from assurance_jobs.baseline.approvals import (
    agent_facts,
    baseline_identity_facts,
    document_mask,
    resolve_approvals,
    tags_of,
)
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
from assurance_jobs.scan.runtime_calls import JitWindow, identity_index, resolve_identity
from assurance_jobs.scan.runtime_learned import LearnedHistory, empty_profile, learned_identity_facts
from assurance_jobs.schema import DRIFT_FACT_COLUMNS, is_missing


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


def agent_scope_masks(agents: list[RegistryAgent], baseline: Baseline, identities: pd.DataFrame) -> dict[str, int]:
    """Runtime identity ARN -> the IAM actions among its agent's approved tool scopes (scopes like 'tickets:read'
    are the agent platform's, not IAM's, and match nothing here). A registry entry given as a session ARN or as a
    role ARN without its path resolves to the role the inventory knows."""
    index = identity_index(identities)
    masks: dict[str, int] = {}
    for agent in agents:
        arn = resolve_identity(agent.runtime_identity_arn, index)
        mask = 0
        for scope in baseline.agents.get(agent.id, []):
            mask |= actions.expand_mask(scope)
        masks[arn] = masks.get(arn, 0) | mask
    return masks


def _policy_documents(policies: Iterable[pd.DataFrame]) -> dict[tuple[str | None, str], str]:
    """(principal ARN or None for "anywhere", policy ARN or name) -> document, today's first, then earlier ones."""
    found: dict[tuple[str | None, str], str] = {}
    for frame in policies:
        rows = frame[frame["attachment"].isin(("inline", "managed", "group_inline", "group_managed"))]
        columns = (rows["principal_arn"], rows["policy_arn"], rows["policy_name"], rows["document"])
        for principal, policy_arn, name, document in zip(*columns, strict=True):
            if is_missing(document):
                continue
            for label in (str(v) for v in (policy_arn, name) if not is_missing(v)):
                found.setdefault((str(principal), label), str(document))
                if label.startswith("arn:"):  # a managed policy: the same document wherever it is attached
                    found.setdefault((None, label), str(document))
    return found


def jit_windows(baseline: Baseline, policies: Iterable[pd.DataFrame]) -> dict[str, tuple[JitWindow, ...]]:
    """identity ARN -> its JIT grants as runtime judges them: the elevated policy's grant inside its window.

    The document is looked up on the identity (today, else the previous stored day: a grant whose policy was
    detached since still approved the calls made inside its window), else anywhere in the estate by ARN. A grant
    whose document is nowhere approves nothing."""
    documents = _policy_documents(policies)
    windows: dict[str, list[JitWindow]] = {}
    for grant in baseline.jit_grants:
        label = grant.elevated_policy
        document = documents.get((grant.identity_arn, label)) or documents.get((None, label))
        mask = document_mask(document) if document else 0
        windows.setdefault(grant.identity_arn, []).append(JitWindow(grant.window_start, grant.window_end, mask))
    return {arn: tuple(found) for arn, found in windows.items()}


def runtime_approvals(
    inventory: Inventory,
    baseline: Baseline | None,
    registry: RegistrySource | None,
    taken_at: datetime,
    previous: Inventory | None = None,
) -> dict[str, Approvals]:
    """Per identity: the networks it may read secrets from, the actions it may call (baseline entries united,
    plus the IAM actions among its AI agent's approved tool scopes, plus JIT grants at the time of each call) and
    the regions it may act in. No baseline: nothing is governed."""
    if baseline is None:
        return {}
    identities = inventory.identities
    static = resolve_approvals(identities, inventory.policies, baseline.model_copy(update={"jit_grants": []}), taken_at)
    agent_masks = agent_scope_masks(registry.agents if registry else [], baseline, identities)
    grants = jit_windows(baseline, [inventory.policies, *([previous.policies] if previous is not None else [])])
    for role, mask in discovered_scope_masks(inventory.agents).items():  # the discovered agents' tool scopes
        agent_masks[role] = agent_masks.get(role, 0) | mask
    approvals = {}
    for arn, tags in zip(identities["arn"], identities["tags"], strict=True):
        entries = baseline.entries_for(arn, tags_of(tags))
        networks = _united(e.approved_networks for e in entries)
        regions = _united(e.approved_regions for e in entries)
        mask = static[arn].action_mask if arn in static else None
        if arn in agent_masks:
            mask = (mask or 0) | agent_masks[arn]
        approvals[arn] = Approvals(networks, mask, regions, grants.get(arn, ()))
    return approvals


def _united(lists: Iterable[list[str] | None]) -> tuple[str, ...] | None:
    given = [items for items in lists if items is not None]
    return tuple(item for items in given for item in items) if given else None


def inventory_with_runtime_facts(
    inventory: Inventory,
    evidence: RuntimeEvidence | None,
    baseline: Baseline | None,
    registry: RegistrySource | None,
    taken_at: datetime,
    learned: LearnedHistory | None = None,
    previous: Inventory | None = None,
) -> Inventory:
    """Identities gain the runtime facts (scan/runtime.py) and the learned ones (scan/runtime_learned.py); the
    day's activity becomes the `activity` table.

    Without evidence (no trail configured anywhere) every runtime fact is NA and the runtime rules read INCOMPLETE;
    the coverage columns still say why each identity is not judged.
    """
    approvals = runtime_approvals(inventory, baseline, registry, taken_at, previous) if evidence is not None else {}
    perms = permissions_by_principal(inventory.policies) if evidence is not None else {}
    selectors = baseline.secret_key_selectors if baseline is not None else None
    keys = classify_keys(evidence.kms_key_tags, selectors) if evidence is not None else None
    facts = runtime_identity_facts(inventory.identities, evidence, approvals, perms, keys)
    history = learned if learned is not None else LearnedHistory(empty_profile(), {}, as_of=taken_at)
    learned_facts = learned_identity_facts(
        inventory.identities,
        evidence.activity if evidence is not None else empty_activity_table(),
        evidence.accounts if evidence is not None else frozenset(),
        history,
        approvals,
        perms,
        keys.secret if keys is not None else frozenset(),
    )
    activity = with_judged_secret_reads(evidence.activity, keys) if evidence is not None else empty_activity_table()
    identities = merge_facts(merge_facts(inventory.identities, facts), learned_facts)
    return replace(inventory, identities=identities, activity=activity)
