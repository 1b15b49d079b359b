"""Baseline facts: how far each identity, JIT grant and AI agent is from the approved baseline (pure, no I/O).

WHY facts and not verdicts: like every other family, the judgement lives in ``expectations/baseline.json``; these
functions only measure (what is unapproved, how many). A row the baseline does not govern measures zero, so it
passes: an identity outside every entry is reported as ``in_baseline == False``, not as a violation.

Decisions:
* Permissions compare ALL effective actions (not only sensitive ones) with the approved set: the approved set is the
  allow-list patterns, plus what the approved managed policies grant (their documents as found in the snapshot),
  plus what an active JIT grant's elevated policy grants. Inline policies are therefore covered by the action check.
* An attached managed policy (directly or through a group) not matching an approved ARN glob is unapproved.
* A malformed trust policy is an unapproved principal (``(unreadable trust policy)``): over-report, never hide.
* An agent absent from the baseline has no approved scopes, so any scope it holds or requests is unapproved.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from assurance_jobs.baseline.model import Baseline, IdentityEntry, JitGrant
from assurance_jobs.baseline.registry import RegistryAgent
from assurance_jobs.scan import actions
from assurance_jobs.scan.agents import frame_of
from assurance_jobs.scan.policy import (
    EffectivePermissions,
    ParsedPolicy,
    PolicyParseError,
    effect_of,
    effective_permissions,
    load_document,
    parse_policy,
    statements_of,
)
from assurance_jobs.scan.trust import account_of, provider_host, statement_principals
from assurance_jobs.schema import AGENT_COLUMNS, BASELINE_FACT_COLUMNS, is_missing

DISPLAY_CAP = 25  # names shown in a comma-joined fact column; the count column carries the full figure
IDENTITY_ATTACHMENTS = frozenset({"inline", "managed", "group_inline", "group_managed"})
MANAGED_ATTACHMENTS = frozenset({"managed", "group_managed"})
UNREADABLE_TRUST = "(unreadable trust policy)"

IDENTITY_FACT_COLUMNS = BASELINE_FACT_COLUMNS  # (assurance_jobs/schema.py)


# ---------------------------------------------------------------------------------------------- small helpers


def display(names: Iterable[str], cap: int = DISPLAY_CAP) -> str:
    """Sorted, comma-joined, capped for a report cell: 'a,b,c (+12 more)'."""
    ordered = sorted(names)
    shown = ",".join(ordered[:cap])
    return shown + (f" (+{len(ordered) - cap} more)" if len(ordered) > cap else "")


def mask_display(mask: int, cap: int = DISPLAY_CAP) -> str:
    """Like ``display`` for an action bit mask, without materialising 20k names for an admin."""
    names, rest = actions.catalogue().names, mask
    shown = []
    while rest and len(shown) < cap:
        low = rest & -rest
        shown.append(names[low.bit_length() - 1])
        rest ^= low
    more = mask.bit_count() - len(shown)
    return ",".join(shown) + (f" (+{more} more)" if more else "")


def tags_of(value: Any) -> dict[str, str]:
    """The identities.tags cell (JSON object string, or a dict) as a dict; junk -> {}."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str) and value:
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return tags_of(parsed) if isinstance(parsed, dict) else {}
    return {}


# ---------------------------------------------------------------------------------------------- permissions


def _try_parse(document: str) -> ParsedPolicy | None:
    try:
        return parse_policy(document)
    except PolicyParseError:
        return None


def document_mask(document: str) -> int:
    """What one policy document allows (0 when it does not parse)."""
    parsed = _try_parse(document)
    return 0 if parsed is None else effective_permissions([parsed]).allowed_mask


# ---------------------------------------------------------------------------------------------- trust


def trust_principals(document: str | Mapping[str, Any] | None) -> frozenset[str]:
    """Every principal an Allow statement of a trust policy names (AWS / Service / Federated; '*' for anyone)."""
    if is_missing(document):
        return frozenset()
    try:
        found: set[str] = set()
        for stmt in statements_of(load_document(document)):  # type: ignore[arg-type]
            if effect_of(stmt) == "Allow":
                found |= {value for values in statement_principals(stmt).values() for value in values}
        return frozenset(found)
    except PolicyParseError:
        return frozenset({UNREADABLE_TRUST})


def principal_approved(principal: str, approved: Iterable[str]) -> bool:
    """Is a live trust principal covered by an approved entry (exact/glob, its account id, or its OIDC host)?"""
    if principal == "*":
        return "*" in approved
    lowered = principal.lower()
    account = account_of(principal)
    host = provider_host(principal) if ":oidc-provider/" in principal else None
    for pattern in approved:
        pat = pattern.lower()
        if pat == "*":
            return True
        if fnmatch.fnmatchcase(lowered, pat) or pat in (account, host):
            return True
    return False


# ---------------------------------------------------------------------------------------------- identity facts


@dataclass(frozen=True)
class _Approvals:
    """The union of every entry selecting one identity; None = not governed."""

    entries: tuple[IdentityEntry, ...]

    def union(self, attribute: str) -> list[str] | None:
        lists = [getattr(e, attribute) for e in self.entries if getattr(e, attribute) is not None]
        return None if not lists else [item for items in lists for item in items]

    @property
    def owners(self) -> set[str]:
        return {e.approved_owner for e in self.entries if e.approved_owner is not None}


@dataclass(frozen=True)
class _Principal:
    """What the snapshot says about one identity's attachments."""

    managed: tuple[str, ...]  # attached managed policy ARNs (direct or via group)
    attached: tuple[tuple[str | None, str | None, str | None], ...]  # (policy_arn, policy_name, document)


def _attachments(policies: pd.DataFrame) -> dict[str, _Principal]:
    rows: dict[str, list[tuple[str, str | None, str | None, str | None]]] = {}
    columns = ("principal_arn", "attachment", "policy_arn", "policy_name", "document")
    for arn, attachment, policy_arn, name, document in zip(*(policies[c] for c in columns), strict=True):
        if attachment in IDENTITY_ATTACHMENTS:
            clean = [None if is_missing(v) else v for v in (policy_arn, name, document)]
            rows.setdefault(arn, []).append((attachment, *clean))  # type: ignore[arg-type]
    return {
        arn: _Principal(
            managed=tuple(sorted({r[1] for r in items if r[0] in MANAGED_ATTACHMENTS and r[1]})),
            attached=tuple((r[1], r[2], r[3]) for r in items),
        )
        for arn, items in rows.items()
    }


def _managed_documents(policies: pd.DataFrame) -> dict[str, str]:
    """Managed policy ARN -> its document, wherever in the estate it is attached."""
    rows = policies[policies["attachment"].isin(MANAGED_ATTACHMENTS)]
    return {
        arn: doc
        for arn, doc, err in zip(rows["policy_arn"], rows["document"], rows["parse_error"], strict=True)
        if not is_missing(arn) and not is_missing(doc) and is_missing(err)
    }


def _active_jit_mask(grants: Sequence[JitGrant], principal: _Principal) -> int:
    """What the elevated policies of the identity's active grants grant (approved while their window is open)."""
    return _union_masks(doc for arn, name, doc in principal.attached if doc and any(g.names(arn, name) for g in grants))


def _union_masks(documents: Iterable[str]) -> int:
    mask = 0
    for document in documents:
        mask |= document_mask(document)
    return mask


@dataclass(frozen=True)
class _Context:
    baseline: Baseline
    perms: Mapping[str, EffectivePermissions]
    attachments: Mapping[str, _Principal]
    managed_docs: Mapping[str, str]
    taken_at: datetime

    def approved_policy_mask(self, globs: Sequence[str]) -> int:
        matching = [doc for arn, doc in self.managed_docs.items() if any(fnmatch.fnmatchcase(arn, g) for g in globs)]
        return _union_masks(matching)


def _approved_mask(arn: str, approvals: _Approvals, ctx: _Context) -> int | None:
    """Actions approved for one identity, or None when no entry governs its permissions."""
    policy_globs, action_patterns = approvals.union("approved_managed_policies"), approvals.union("approved_actions")
    if policy_globs is None and action_patterns is None:
        return None
    principal = ctx.attachments.get(arn, _Principal((), ()))
    active = [g for g in ctx.baseline.grants_for(arn) if g.active_at(ctx.taken_at)]
    approved = actions.set_to_mask(action_patterns or ()) | ctx.approved_policy_mask(policy_globs or ())
    return approved | _active_jit_mask(active, principal)


def _unapproved_policies(arn: str, approvals: _Approvals, ctx: _Context) -> list[str]:
    policy_globs = approvals.union("approved_managed_policies")
    if policy_globs is None:
        return []
    active = [g for g in ctx.baseline.grants_for(arn) if g.active_at(ctx.taken_at)]
    return [
        p
        for p in ctx.attachments.get(arn, _Principal((), ())).managed
        if not any(fnmatch.fnmatchcase(p, g) for g in policy_globs) and not any(g.names(p, None) for g in active)
    ]


def _permission_facts(arn: str, approvals: _Approvals, ctx: _Context) -> dict[str, object]:
    approved = _approved_mask(arn, approvals, ctx)
    held = ctx.perms.get(arn)
    unapproved_mask = 0 if approved is None or held is None else held.allowed_mask & ~approved
    return _permission_columns(_unapproved_policies(arn, approvals, ctx), unapproved_mask)


def _permission_columns(policies: list[str], mask: int) -> dict[str, object]:
    count = mask.bit_count()
    parts = ([f"policies: {display(policies)}"] if policies else []) + (
        [f"actions: {mask_display(mask)}"] if mask else []
    )
    return {
        "unapproved_actions": mask_display(mask),
        "unapproved_action_count": count,
        "unapproved_managed_policies": display(policies),
        "unapproved_managed_policy_count": len(policies),
        "unapproved_permissions": "; ".join(parts),
        "unapproved_permission_count": count + len(policies),
    }


def _trust_facts(trust_policy: Any, approvals: _Approvals) -> dict[str, object]:
    approved = approvals.union("approved_trust_principals")
    live = trust_principals(trust_policy) if approved is not None else frozenset()
    unapproved = [p for p in live if not principal_approved(p, approved or ())]
    return {"unapproved_trust_principals": display(unapproved), "unapproved_trust_principal_count": len(unapproved)}


def _owner_facts(owner: Any, approvals: _Approvals) -> dict[str, object]:
    owners = approvals.owners
    actual = None if is_missing(owner) else str(owner).strip().casefold()
    mismatch = bool(owners) and actual not in {o.strip().casefold() for o in owners}
    return {"approved_owner": ",".join(sorted(owners)) or None, "baseline_owner_mismatch": mismatch}


def _jit_facts(arn: str, ctx: _Context) -> dict[str, object]:
    principal = ctx.attachments.get(arn, _Principal((), ()))
    expired = [g.elevated_policy for g in ctx.baseline.grants_for(arn) if _expired_still_attached(g, principal, ctx)]
    return {"jit_expired_grants": display(set(expired)), "jit_expired_grant_count": len(set(expired))}


def _is_attached(grant: JitGrant, principal: _Principal) -> bool:
    return any(grant.names(arn, name) for arn, name, _ in principal.attached)


def _expired_still_attached(grant: JitGrant, principal: _Principal, ctx: _Context) -> bool:
    return ctx.taken_at > grant.window_end and _is_attached(grant, principal)


def _context(
    policies: pd.DataFrame, perms: Mapping[str, EffectivePermissions], baseline: Baseline, taken_at: datetime
) -> _Context:
    return _Context(baseline, perms, _attachments(policies), _managed_documents(policies), taken_at)


def baseline_identity_facts(
    identities: pd.DataFrame,
    policies: pd.DataFrame,
    perms: Mapping[str, EffectivePermissions],
    baseline: Baseline,
    taken_at: datetime,
) -> pd.DataFrame:
    """One row per identity (``account_id``, ``arn``, then IDENTITY_FACT_COLUMNS), in the identities' order.

    ``perms``: effective permissions per principal ARN (``permissions_by_principal(policies)``).
    ``taken_at``: the snapshot's as-of time; JIT windows are judged against it, never the wall clock.
    """
    ctx = _context(policies, perms, baseline, taken_at)
    rows = []
    for record in identities[["account_id", "arn", "tags", "owner", "trust_policy"]].itertuples(index=False):
        approvals = _Approvals(tuple(baseline.entries_for(record.arn, tags_of(record.tags))))
        rows.append(
            {
                "account_id": record.account_id,
                "arn": record.arn,
                "in_baseline": bool(approvals.entries),
                **_permission_facts(record.arn, approvals, ctx),
                **_trust_facts(record.trust_policy, approvals),
                **_owner_facts(record.owner, approvals),
                **_jit_facts(record.arn, ctx),
            }
        )
    return pd.DataFrame(rows, columns=["account_id", "arn", *IDENTITY_FACT_COLUMNS]).astype(IDENTITY_FACT_COLUMNS)


@dataclass(frozen=True)
class ResolvedApprovals:
    """What the baseline approves for one identity on one day (None = not governed by any entry)."""

    in_baseline: bool
    action_mask: int | None
    trust_principals: tuple[str, ...] | None


def resolve_approvals(
    identities: pd.DataFrame, policies: pd.DataFrame, baseline: Baseline, taken_at: datetime
) -> dict[str, ResolvedApprovals]:
    """identity ARN -> its approvals, resolved against this day's inventory (drift judges changes with it)."""
    ctx = _context(policies, {}, baseline, taken_at)
    resolved = {}
    for arn, tags in zip(identities["arn"], identities["tags"], strict=True):
        approvals = _Approvals(tuple(baseline.entries_for(arn, tags_of(tags))))
        trust = approvals.union("approved_trust_principals")
        resolved[arn] = ResolvedApprovals(
            in_baseline=bool(approvals.entries),
            action_mask=_approved_mask(arn, approvals, ctx),
            trust_principals=None if trust is None else tuple(trust),
        )
    return resolved


# ---------------------------------------------------------------------------------------------- agents


def _identity_index(identities: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """ARN -> row, plus 'account/role-name' keys so an STS assumed-role ARN finds its role (whatever its path)."""
    index: dict[str, dict[str, Any]] = {}
    for row in identities.to_dict("records"):
        index[row["arn"]] = row
        if row.get("kind") == "role":
            index[f"{row['account_id']}/{row['name']}"] = row
    return index


def _runtime_identity(arn: str, index: Mapping[str, dict[str, Any]]) -> dict[str, Any] | None:
    if arn in index:
        return index[arn]
    if ":assumed-role/" in arn:
        role_name = arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        return index.get(f"{arn.split(':')[4]}/{role_name}")
    return None


def unapproved_scopes(agent: RegistryAgent, approved: Sequence[str]) -> list[str]:
    """Scopes granted or requested that no approved scope (fnmatch glob) covers."""
    held = {*agent.scopes_granted, *agent.scopes_requested}
    return sorted(s for s in held if not any(fnmatch.fnmatchcase(s, pattern) for pattern in approved))


def _agent_row(agent: RegistryAgent, identity: dict[str, Any] | None, baseline: Baseline) -> dict[str, Any]:
    governed = baseline.agent_approvals([agent.id, agent.name], name=agent.name)
    approved = governed or []
    extra = unapproved_scopes(agent, approved)
    owner = agent.owner or (identity or {}).get("owner")
    return {
        "account_id": agent.account_id,
        "agent_id": agent.id,
        "arn": identity["arn"] if identity else agent.runtime_identity_arn,
        "identity_found": identity is not None,
        "identity_kind": identity.get("kind") if identity else None,
        "owner": None if is_missing(owner) else owner,
        "classification_reason": "AI agent runtime identity (agent registry)",
        "scopes_granted": display(agent.scopes_granted),
        "scopes_requested": display(agent.scopes_requested),
        "approved_scopes": display(approved),
        "in_baseline": governed is not None,
        "unapproved_scopes": display(extra),
        "unapproved_scope_count": len(extra),
        "kind": "registered_agent",
        "platform": "registry",
        "name": agent.name,
    }


def agent_facts(
    agents: Sequence[RegistryAgent],
    identities: pd.DataFrame,
    baseline: Baseline,
    source_file: str | None = None,
    source_sha256: str | None = None,
) -> pd.DataFrame:
    """The ``agents`` subject table: one row per registry agent, joined to the IAM identity it runs as."""
    index = _identity_index(identities)
    provenance = {"source_file": source_file, "source_sha256": source_sha256}
    rows = [{**_agent_row(a, _runtime_identity(a.runtime_identity_arn, index), baseline), **provenance} for a in agents]
    frame = frame_of(rows, AGENT_COLUMNS)
    return frame.sort_values(["account_id", "agent_id"], ignore_index=True)
