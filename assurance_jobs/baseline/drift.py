"""Day-over-day drift: what changed between two stored days, and which changes the baseline does not approve.

WHY pure and table-based: drift is computed from two stored inventories (never from AWS), so re-running an old day
reproduces it exactly, and tests can build day 1 and day 2 as small DataFrames.

A change is "outside the baseline" when the baseline does not approve it on the later day: an identity no entry
governs has nothing approved, so any permission it gains or principal it starts trusting is outside. Changes on
identities present only on one day appear in ``identity_changes``; permission and trust changes are reported for
identities present on both days (a new identity is judged by the NHI-BL rules if the baseline selects it).

Privilege creep counts *sensitive* effective actions: any "Permissions management" action, plus any mutating
(write / tagging) action of a sensitive service (``scan/data/sensitive_services.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

import pandas as pd

from assurance_jobs.baseline.approvals import (
    ResolvedApprovals,
    display,
    mask_display,
    principal_approved,
    resolve_approvals,
    trust_principals,
)
from assurance_jobs.baseline.model import EMPTY_BASELINE, Baseline
from assurance_jobs.scan import actions
from assurance_jobs.scan.policy import EffectivePermissions, sensitive_services
from assurance_jobs.schema import (
    DRIFT_CREDENTIAL_COLUMNS,
    DRIFT_CREEP_COLUMNS,
    DRIFT_IDENTITY_COLUMNS,
    DRIFT_OWNER_COLUMNS,
    DRIFT_PERMISSION_COLUMNS,
    DRIFT_TRUST_COLUMNS,
    is_missing,
)

NO_APPROVALS = ResolvedApprovals(in_baseline=False, action_mask=None, trust_principals=None)


class InventoryLike(Protocol):
    """The three inventory tables drift reads (``scan.inventory.Inventory`` satisfies it)."""

    identities: pd.DataFrame
    credentials: pd.DataFrame
    policies: pd.DataFrame


@dataclass(frozen=True)
class DriftReport:
    identity_changes: pd.DataFrame  # account_id, arn, kind, change ('added'|'removed')
    credential_changes: pd.DataFrame  # account_id, credential_id, kind, owner_arn, change
    permission_changes: pd.DataFrame  # per identity: added/removed effective actions, added outside the baseline
    trust_changes: pd.DataFrame  # per role: added/removed trusted principals, added outside the baseline
    owner_changes: pd.DataFrame  # account_id, arn, previous_owner, current_owner
    privilege_creep: pd.DataFrame  # account_id, arn, previous/current sensitive action counts, change


# ---------------------------------------------------------------------------------------------- sensitive actions


@cache
def sensitive_action_mask() -> int:
    cat = actions.catalogue()
    permission_management = [i for i, level in enumerate(cat.levels) if level == "P"]
    mask = sum(1 << i for i in permission_management)
    for service in sensitive_services():
        mask |= actions.service_mask(service) & actions.mutating_mask()
    return mask


def sensitive_action_counts(perms: Mapping[str, EffectivePermissions]) -> dict[str, int]:
    """principal ARN -> number of sensitive effective actions (the daily privilege-creep figure)."""
    sensitive = sensitive_action_mask()
    return {arn: (p.allowed_mask & sensitive).bit_count() for arn, p in perms.items()}


# ---------------------------------------------------------------------------------------------- change tables


def _keyed(frame: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in frame.to_dict("records")}


def _added_removed(prev: pd.DataFrame, curr: pd.DataFrame, key: str, schema: Mapping[str, str]) -> pd.DataFrame:
    columns = [name for name in schema if name != "change"]
    before, after = _keyed(prev, key), _keyed(curr, key)
    rows = [{**{c: after[k].get(c) for c in columns}, "change": "added"} for k in after.keys() - before.keys()]
    rows += [{**{c: before[k].get(c) for c in columns}, "change": "removed"} for k in before.keys() - after.keys()]
    frame = pd.DataFrame(rows, columns=list(schema))
    return frame.sort_values(["change", "account_id", key], ignore_index=True)


def _common(prev: pd.DataFrame, curr: pd.DataFrame) -> list[dict[str, Any]]:
    """Current rows of identities present on both days, sorted by account and ARN."""
    before = set(prev["arn"])
    rows = [row for row in curr.to_dict("records") if row["arn"] in before]
    return sorted(rows, key=lambda row: (row["account_id"], row["arn"]))


def _mask(perms: Mapping[str, EffectivePermissions], arn: str) -> int:
    held = perms.get(arn)
    return 0 if held is None else held.allowed_mask


PERMISSION_COLUMNS = list(DRIFT_PERMISSION_COLUMNS)


def _permission_changes(
    common: list[dict[str, Any]],
    prev_perms: Mapping[str, EffectivePermissions],
    curr_perms: Mapping[str, EffectivePermissions],
    approvals: Mapping[str, ResolvedApprovals],
) -> pd.DataFrame:
    rows = []
    for row in common:
        before, after = _mask(prev_perms, row["arn"]), _mask(curr_perms, row["arn"])
        added, removed = after & ~before, before & ~after
        if not added and not removed:
            continue
        approved = approvals.get(row["arn"], NO_APPROVALS).action_mask or 0
        outside = added & ~approved
        values = [mask_display(added), added.bit_count(), mask_display(removed), removed.bit_count()]
        rows.append([row["account_id"], row["arn"], *values, mask_display(outside), outside.bit_count()])
    return pd.DataFrame(rows, columns=PERMISSION_COLUMNS).astype(DRIFT_PERMISSION_COLUMNS)


TRUST_COLUMNS = list(DRIFT_TRUST_COLUMNS)


def _trust_changes(
    common: list[dict[str, Any]], prev_trust: Mapping[str, Any], approvals: Mapping[str, ResolvedApprovals]
) -> pd.DataFrame:
    rows = []
    for row in common:
        before, after = trust_principals(prev_trust.get(row["arn"])), trust_principals(row.get("trust_policy"))
        added, removed = after - before, before - after
        if not added and not removed:
            continue
        approved = approvals.get(row["arn"], NO_APPROVALS).trust_principals or ()
        outside = [p for p in added if not principal_approved(p, approved)]
        values = [display(added), len(added), display(removed), len(removed), display(outside), len(outside)]
        rows.append([row["account_id"], row["arn"], *values])
    return pd.DataFrame(rows, columns=TRUST_COLUMNS).astype(DRIFT_TRUST_COLUMNS)


def _clean(value: Any) -> Any:
    return None if is_missing(value) else value


def _owner_changes(common: list[dict[str, Any]], prev_owner: Mapping[str, Any]) -> pd.DataFrame:
    rows = [
        [row["account_id"], row["arn"], _clean(prev_owner.get(row["arn"])), _clean(row.get("owner"))]
        for row in common
        if _clean(prev_owner.get(row["arn"])) != _clean(row.get("owner"))
    ]
    return pd.DataFrame(rows, columns=list(DRIFT_OWNER_COLUMNS)).astype(DRIFT_OWNER_COLUMNS)


def _creep(
    prev: pd.DataFrame,
    curr: pd.DataFrame,
    prev_perms: Mapping[str, EffectivePermissions],
    curr_perms: Mapping[str, EffectivePermissions],
) -> pd.DataFrame:
    before, after = sensitive_action_counts(prev_perms), sensitive_action_counts(curr_perms)
    present = set(prev["arn"])
    rows = []
    for account_id, arn in sorted(zip(curr["account_id"], curr["arn"], strict=True)):
        previous = before.get(arn, 0) if arn in present else None
        current = after.get(arn, 0)
        rows.append([account_id, arn, previous, current, None if previous is None else current - previous])
    return pd.DataFrame(rows, columns=list(DRIFT_CREEP_COLUMNS)).astype(DRIFT_CREEP_COLUMNS)


# ---------------------------------------------------------------------------------------------- entry point


def compute_drift(
    prev: InventoryLike,
    curr: InventoryLike,
    prev_perms: Mapping[str, EffectivePermissions],
    curr_perms: Mapping[str, EffectivePermissions],
    *,
    taken_at: datetime,
    baseline: Baseline = EMPTY_BASELINE,
) -> DriftReport:
    """Compare the previous stored day with the current one.

    ``prev_perms`` / ``curr_perms``: effective permissions per principal ARN for each day
    (``baseline.facts.permissions_by_principal``). ``taken_at``: the current snapshot's as-of time (manifest
    ``taken_at``), so a JIT grant whose window is open approves its elevation.
    """
    approvals = resolve_approvals(curr.identities, curr.policies, baseline, taken_at)
    common = _common(prev.identities, curr.identities)
    prev_rows = _keyed(prev.identities, "arn")
    permissions = _permission_changes(common, prev_perms, curr_perms, approvals)
    trust = _trust_changes(common, {a: r.get("trust_policy") for a, r in prev_rows.items()}, approvals)
    return DriftReport(
        identity_changes=_added_removed(prev.identities, curr.identities, "arn", DRIFT_IDENTITY_COLUMNS),
        credential_changes=_added_removed(
            prev.credentials, curr.credentials, "credential_id", DRIFT_CREDENTIAL_COLUMNS
        ),
        permission_changes=permissions,
        trust_changes=trust,
        owner_changes=_owner_changes(common, {a: r.get("owner") for a, r in prev_rows.items()}),
        privilege_creep=_creep(prev.identities, curr.identities, prev_perms, curr_perms),
    )
