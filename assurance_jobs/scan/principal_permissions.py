"""Least-privilege facts per identity, from the inventory's ``policies`` table (docs/design.md, "Rule facts").

WHY a table-level function: the rules (NHI-LP-001..006) test columns on ``identities``; this computes those
columns for every principal at once, combining all of a principal's documents (inline, managed, group inline,
group managed) before judging, bounded by its permissions boundary, and reading its trust policy.

A malformed document is skipped and COUNTED in ``policy_parse_errors``: a principal whose policy could not be
read is not silently "clean", the count is the evidence. A malformed boundary is skipped too, which can only
over-report. Rows the inventory marks "document not in snapshot" (an AWS-managed policy the collector did not
return) are not parse errors, matching the inventory's own count.

Escalation facts (``privesc_*``, ``admin_implied``) come from one principal graph over every identity passed in,
all accounts at once (``privesc_graph``, docs/privesc.md); ``taken_at`` is what date conditions are judged against.
``inputs`` (``privesc_inputs.PrivescInputs``) adds what the graph reads besides the principals: groups, instance
profiles, passwords and keys, existing resources, and the organization's SCPs/RCPs — which also bound the effective
permissions behind NHI-LP-001/002. Without an organization the facts are exactly those of an unguarded estate.

Performance: documents are parsed once per distinct text (managed policies are shared), and the combined result
is cached per distinct set of documents, so thousands of principals take seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache

import pandas as pd

from assurance_jobs.scan.grants import AWS_MANAGED_POLICY, Grant, Grants, grants_of
from assurance_jobs.scan.policy import EffectivePermissions, ParsedPolicy, PolicyParseError, effective_permissions
from assurance_jobs.scan.policy import parse_policy as _parse_policy
from assurance_jobs.scan.privesc import by_name, held_methods
from assurance_jobs.scan.privesc_graph import Escalation, GraphContext, Link, Principal, escalations, linked_principal
from assurance_jobs.scan.privesc_inputs import IamGroup, PrivescInputs
from assurance_jobs.scan.privesc_org import (
    AccountGuardrails,
    ResourceGuards,
    account_guardrails,
    blocked_text,
    guardrails_of,
    level_texts,
)
from assurance_jobs.scan.trust import TrustFacts, trust_facts
from assurance_jobs.schema import LINKED_REACH_COLUMNS, POLICY_FACT_COLUMNS, is_missing

IDENTITY_ATTACHMENTS = frozenset({"inline", "managed", "group_inline", "group_managed"})
NOT_IN_SNAPSHOT = "document not in snapshot"  # the inventory's marker for an uncollected AWS-managed document

FACT_COLUMNS = POLICY_FACT_COLUMNS  # the policy engine's identity facts (assurance_jobs/schema.py)


@dataclass
class _PrincipalDocs:
    identity: list[str] = field(default_factory=list)
    boundary: list[str] = field(default_factory=list)
    trust: list[str] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)
    customer_policies: set[str] = field(default_factory=set)
    errors: int = 0


def _text(document: object) -> str:
    """Documents are JSON strings by contract; a dict is accepted and serialised (stable, hashable cache key)."""
    return document if isinstance(document, str) else json.dumps(document, sort_keys=True)


def _group(policies: pd.DataFrame) -> dict[str, _PrincipalDocs]:
    """principal_arn -> its documents by role; rows without a usable document become error counts."""
    groups: dict[str, _PrincipalDocs] = {}
    columns = ("principal_arn", "attachment", "document", "parse_error", "policy_arn", "via_group")
    if policies.empty:
        return groups
    policies = policies.reindex(columns=[*columns, *(c for c in policies.columns if c not in columns)])
    for arn, attachment, document, error, policy_arn, via_group in zip(
        *(policies[c].tolist() for c in columns), strict=True
    ):
        docs = groups.setdefault(arn, _PrincipalDocs())
        if not is_missing(via_group):
            docs.groups.add(str(via_group))
        managed = attachment in ("managed", "group_managed") and not is_missing(policy_arn)
        if managed and not AWS_MANAGED_POLICY.fullmatch(str(policy_arn)):
            docs.customer_policies.add(str(policy_arn))
        if not is_missing(error) or is_missing(document):
            docs.errors += 0 if error == NOT_IN_SNAPSHOT else 1
        elif attachment == "boundary":
            docs.boundary.append(_text(document))
        elif attachment == "trust":
            docs.trust.append(_text(document))
        elif attachment in IDENTITY_ATTACHMENTS:
            docs.identity.append(_text(document))
    return groups


def _try_parse(document: str) -> ParsedPolicy | None:
    try:
        return _parse_policy(document)
    except PolicyParseError:
        return None


Levels = tuple[tuple[str, ...], ...]  # guardrail levels (root → OUs → account), each the documents attached there


@lru_cache(maxsize=8192)
def _permissions(
    identity_docs: tuple[str, ...], boundary: str | None, guardrails: Levels = ()
) -> tuple[EffectivePermissions, int]:
    """(effective permissions, count of documents that failed to parse), cached per distinct document set."""
    parsed = [_try_parse(d) for d in identity_docs]
    good = [p for p in parsed if p is not None]
    bound = _try_parse(boundary) if boundary is not None else None
    errors = len(parsed) - len(good) + (1 if boundary is not None and bound is None else 0)
    return effective_permissions(good, bound, guardrails), errors


def permissions_by_principal(policies: pd.DataFrame) -> dict[str, EffectivePermissions]:
    """principal ARN -> effective permissions over its readable identity documents, within its boundary.

    The one place combined permissions are computed (cached per distinct document set): the policy facts, the
    baseline facts and drift all read them from here.
    """
    return {
        arn: _permissions(tuple(sorted(set(docs.identity))), docs.boundary[0] if docs.boundary else None)[0]
        for arn, docs in _group(policies).items()
    }


@lru_cache(maxsize=8192)
def _trust(document: str, own: str, known: frozenset[str]) -> TrustFacts | None:
    try:
        return trust_facts(document, own, known)
    except PolicyParseError:
        return None


def _try_grants(document: str, taken_at: datetime | None) -> tuple[Grant, ...] | None:
    try:
        return grants_of(document, taken_at)
    except PolicyParseError:
        return None  # counted by _permissions


@lru_cache(maxsize=8192)
def _grants(
    identity_docs: tuple[str, ...], boundary: str | None, taken_at: datetime | None, guardrails: Levels = ()
) -> Grants:
    """Resource- and condition-aware grants, one object per distinct document set (shared, so cached verdicts are
    shared too)."""
    identity = [g for d in identity_docs for g in _try_grants(d, taken_at) or ()]
    bound = _try_grants(boundary, taken_at) if boundary is not None else None
    return Grants(identity, bound, guardrails_of(guardrails, taken_at))


def _key(docs: _PrincipalDocs) -> tuple[tuple[str, ...], str | None]:
    return tuple(sorted(set(docs.identity))), docs.boundary[0] if docs.boundary else None


def _blocked(grants: Grants, guard: AccountGuardrails, taken_at: datetime | None) -> str:
    """The methods the SCPs take away, each with the policy and level that does it."""
    if grants.unguarded_mask == grants.held_mask:
        return ""
    held = set(held_methods(grants.held_mask))
    lost = [by_name()[name] for name in held_methods(grants.unguarded_mask) if name not in held]
    return "; ".join(blocked_text(m.name, m.required_bits, grants.held_mask, guard, taken_at) for m in lost)


def _permission_facts(
    docs: _PrincipalDocs, taken_at: datetime | None, guard: AccountGuardrails
) -> tuple[dict[str, object], int]:
    identity, boundary = _key(docs)
    levels = level_texts(guard.scp)
    perms, errors = _permissions(identity, boundary, levels)
    grants = _grants(identity, boundary, taken_at, levels)
    services = perms.sensitive_wildcard_services
    methods = held_methods(grants.held_mask)
    facts = {
        "effective_admin": perms.effective_admin,
        "sensitive_wildcard_services": ",".join(services),
        "sensitive_wildcard_count": len(services),
        "privesc_methods": ",".join(methods),
        "privesc_method_count": len(methods),
        "privesc_blocked": _blocked(grants, guard, taken_at),
        "organization_policies_unreadable": int(guard.unreadable),
    }
    return facts, errors


def _trust_facts(trust_docs: Iterable[str], own: str, known: frozenset[str]) -> tuple[dict[str, object], int]:
    results = [_trust(d, own, known) for d in trust_docs]
    good = [r for r in results if r is not None]
    accounts = sorted({a for r in good for a in r.cross_account_without_external_id})
    facts = {
        "trust_open_unconditioned": any(r.open_to_any_unconditioned for r in good),
        "cross_account_without_external_id": ",".join(accounts),
        "cross_account_without_external_id_count": len(accounts),
        "oidc_subject_unconstrained": any(r.oidc_subject_unconstrained for r in good),
    }
    return facts, len(results) - len(good)


def _row(
    docs: _PrincipalDocs, own: str, known: frozenset[str], taken_at: datetime | None, guard: AccountGuardrails
) -> dict[str, object]:
    perm_facts, perm_errors = _permission_facts(docs, taken_at, guard)
    trust, trust_errors = _trust_facts(docs.trust, own, known)
    return {**perm_facts, **trust, "policy_parse_errors": docs.errors + perm_errors + trust_errors}


def _principal(
    arn: str,
    account_id: str,
    kind: str,
    name: str,
    docs: _PrincipalDocs,
    admin: bool,
    taken_at: datetime | None,
    guard: AccountGuardrails,
    group_arns: dict[tuple[str, str], str],
) -> Principal:
    identity, boundary = _key(docs)
    return Principal(
        arn=arn,
        account_id=account_id,
        kind=kind,
        name=name,
        grants=_grants(identity, boundary, taken_at, level_texts(guard.scp)),
        admin=admin,
        trust_documents=tuple(docs.trust),
        groups=tuple(
            sorted(group_arns.get((account_id, g), f"arn:aws:iam::{account_id}:group/{g}") for g in docs.groups)
        ),
        customer_policies=tuple(sorted(docs.customer_policies)),
    )


def _group_node(group: IamGroup, taken_at: datetime | None, guard: AccountGuardrails) -> Principal:
    """A group as the graph sees it: what a user acts with once it joins (the member's boundary is not applied)."""
    documents, levels = tuple(sorted(set(group.documents))), level_texts(guard.scp)
    return Principal(
        arn=group.arn,
        account_id=group.account_id,
        kind="group",
        name=f"group/{group.name}",
        grants=_grants(documents, None, taken_at, levels),
        admin=_permissions(documents, None, levels)[0].effective_admin,
        customer_policies=group.customer_policies,
        documents_missing=group.documents_missing,
    )


def _graph_context(inputs: PrivescInputs | None, taken_at: datetime | None) -> GraphContext:
    """The graph's view of the inputs: groups as nodes, instance-profile roles, RCPs per account."""
    if inputs is None:
        return GraphContext()
    org, iam = inputs.organization, inputs.iam
    guards = {a: account_guardrails(org, a) for a in (org.ancestors if org is not None else ())}
    rcps = {a: guardrails_of(level_texts(g.rcp), taken_at) for a, g in guards.items() if g.rcp}
    groups = None
    if iam is not None:
        groups = tuple(_group_node(g, taken_at, account_guardrails(org, g.account_id)) for g in iam.groups)
    return GraphContext(
        groups=groups,
        instance_profile_roles=frozenset(iam.instance_profiles) if iam is not None else None,
        users=inputs.users,
        resources=inputs.resources,
        resource_guards=ResourceGuards(rcps),
    )


def _escalation_facts(row: dict[str, object], result: Escalation) -> dict[str, object]:
    """The graph's verdict on one principal; an administrator's escalation findings fold into NHI-LP-001."""
    admin = bool(row["effective_admin"])
    implied = []
    if admin and row["sensitive_wildcard_count"]:
        implied.append(f"NHI-LP-002 ({row['sensitive_wildcard_count']} sensitive services)")
    if admin and row["privesc_method_count"]:
        implied.append(f"NHI-LP-003 ({row['privesc_method_count']} escalation methods)")
    return {
        "privesc_escalates": bool(result.path),
        "privesc_path": result.path,
        "privesc_latent": bool(result.latent),
        "privesc_latent_path": result.latent,
        "privesc_undecidable": result.undecidable,
        "privesc_resources_unreadable": int(result.unreadable),
        "privesc_conditional": result.conditional,
        "privesc_reachable_by": ",".join(result.reachable_by),
        "privesc_reachable_by_count": result.reachable_count,
        "admin_implied": ("effective admin; folds " + ", ".join(implied) if implied else "effective admin")
        if admin
        else "",
    }


def _identity_values(identities: pd.DataFrame, column: str, default: str) -> list[str]:
    if column not in identities.columns:
        return [default] * len(identities)
    return [default if is_missing(v) else str(v) for v in identities[column].tolist()]


def _kinds(identities: pd.DataFrame) -> list[str]:
    """identities.kind, or read from the ARN (``…:user/…`` / ``…:role/…``) when the column is absent."""
    if "kind" in identities.columns:
        return _identity_values(identities, "kind", "")
    return ["role" if ":role/" in str(a) else "user" for a in identities["arn"].tolist()]


def _fallback_trust(identities: pd.DataFrame) -> dict[str, str]:
    """identities.trust_policy for roles that have no 'trust' row in the policies table."""
    if "trust_policy" not in identities.columns:
        return {}
    return {
        a: t
        for a, t in zip(identities["arn"].tolist(), identities["trust_policy"].tolist(), strict=True)
        if not is_missing(t)
    }


def _service_linked(identities: pd.DataFrame) -> list[bool]:
    """identities.is_service_linked (SCPs do not apply to service-linked roles); False when absent."""
    if "is_service_linked" not in identities.columns:
        return [False] * len(identities)
    return [bool(v) and not is_missing(v) for v in identities["is_service_linked"].tolist()]


def _guards(inputs: PrivescInputs | None) -> Callable[[str, bool], AccountGuardrails]:
    """(account, service-linked?) -> the SCP/RCP levels that bound a principal, computed once per account (none
    for a service-linked role: SCPs do not bind it, so unreadable ones leave its verdicts complete)."""
    organization = inputs.organization if inputs is not None else None
    accounts: dict[str, AccountGuardrails] = {}

    def guard(account_id: str, service_linked: bool) -> AccountGuardrails:
        found = accounts.get(account_id)
        if found is None:
            found = accounts[account_id] = account_guardrails(organization, account_id)
        return AccountGuardrails(account_id) if service_linked else found

    return guard


@dataclass(frozen=True)
class PrincipalFacts:
    """The policy engine's facts per identity, and the escalation graph's verdict on each linked non-IAM node."""

    identities: pd.DataFrame
    linked_reach: pd.DataFrame


def policy_facts_for(
    policies: pd.DataFrame,
    identities: pd.DataFrame,
    known_accounts: list[str],
    taken_at: datetime | None = None,
    inputs: PrivescInputs | None = None,
) -> pd.DataFrame:
    """One row per identity (``account_id``, ``arn``, then FACT_COLUMNS), in the identities' order."""
    return principal_facts(policies, identities, known_accounts, taken_at, inputs).identities


def principal_facts(
    policies: pd.DataFrame,
    identities: pd.DataFrame,
    known_accounts: list[str],
    taken_at: datetime | None = None,
    inputs: PrivescInputs | None = None,
    links: pd.DataFrame | None = None,
) -> PrincipalFacts:
    """Facts for every identity, and verdicts for the non-IAM nodes `links` (schema.PRINCIPAL_LINK_COLUMNS) bring.

    ``taken_at`` (the snapshot's as-of time) lets conditions that can never hold again be discounted; without it
    every condition "may hold". The escalation facts come from one graph over all identities given, with what
    ``inputs`` adds (groups, instance profiles, credentials, resources, SCPs/RCPs; None: none of it known).
    """
    if taken_at is not None and taken_at.tzinfo is None:
        taken_at = taken_at.replace(tzinfo=UTC)
    groups = _group(policies)
    fallback = _fallback_trust(identities)
    known = frozenset(known_accounts)
    group_arns = {(g.account_id, g.name): g.arn for g in (inputs.iam.groups if inputs and inputs.iam else ())}
    rows, principals, guard_of = [], [], _guards(inputs)
    names = _identity_values(identities, "name", "")
    memberships = identities["groups"].tolist() if "groups" in identities.columns else [None] * len(identities)
    for account_id, arn, kind, name, member_of, service_linked in zip(
        identities["account_id"].tolist(),
        identities["arn"].tolist(),
        _kinds(identities),
        names,
        memberships,
        _service_linked(identities),
        strict=True,
    ):
        docs = groups.get(arn, _PrincipalDocs())
        if isinstance(member_of, (list, tuple)) or hasattr(member_of, "tolist"):
            docs.groups.update(str(g) for g in list(member_of))
        if not docs.trust and arn in fallback:
            docs.trust.append(fallback[arn])
        guard = guard_of(str(account_id), service_linked)
        row = {"account_id": account_id, "arn": arn, **_row(docs, str(account_id), known, taken_at, guard)}
        rows.append(row)
        name = name or str(arn).rsplit("/", 1)[-1]
        admin = bool(row["effective_admin"])
        principals.append(_principal(arn, str(account_id), kind, name, docs, admin, taken_at, guard, group_arns))
    graph_links, linked = _links(links, {p.arn for p in principals})
    context = replace(_graph_context(inputs, taken_at), links=tuple(graph_links))
    results = escalations([*principals, *linked], taken_at, context)
    for row in rows:
        row.update(_escalation_facts(row, results[row["arn"]]))
    frame = pd.DataFrame(rows, columns=["account_id", "arn", *FACT_COLUMNS])
    return PrincipalFacts(frame.astype(FACT_COLUMNS), _linked_reach(linked, results))


def _links(links: pd.DataFrame | None, known: set[str]) -> tuple[list[Link], list[Principal]]:
    """The graph edges of `links`, and a no-permission principal for every source that is not an identity."""
    if links is None or links.empty:
        return [], []
    edges, linked = [], {}
    for row in links.itertuples(index=False):
        edges.append(Link(str(row.source_id), str(row.target_id), str(row.label), bool(row.conditional)))
        if row.source_id not in known and row.source_id not in linked:
            node = linked_principal(str(row.source_id), str(row.account_id), str(row.source_kind), str(row.source_name))
            linked[row.source_id] = node
    return edges, list(linked.values())


def _linked_reach(linked: list[Principal], results: Mapping[str, Escalation]) -> pd.DataFrame:
    rows = [
        {
            "node_id": node.arn,
            "privesc_escalates": bool(results[node.arn].path),
            "privesc_path": results[node.arn].path,
            "privesc_conditional": results[node.arn].conditional,
            "privesc_latent": bool(results[node.arn].latent),
            "privesc_latent_path": results[node.arn].latent,
            "privesc_undecidable": results[node.arn].undecidable,
        }
        for node in sorted(linked, key=lambda node: node.arn)
    ]
    return pd.DataFrame(rows, columns=list(LINKED_REACH_COLUMNS)).astype(LINKED_REACH_COLUMNS)
