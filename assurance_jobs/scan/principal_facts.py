"""Least-privilege facts per identity, from the inventory's ``policies`` table (docs/design.md, "Rule facts").

WHY a table-level function: the rules (NHI-LP-001..006) test columns on ``identities``; this computes those
columns for every principal at once, combining all of a principal's documents (inline, managed, group inline,
group managed) before judging, bounded by its permissions boundary, and reading its trust policy.

A malformed document is skipped and COUNTED in ``policy_parse_errors``: a principal whose policy could not be
read is not silently "clean", the count is the evidence. A malformed boundary is skipped too, which can only
over-report. Rows the inventory marks "document not in snapshot" (an AWS-managed policy the collector did not
return) are not parse errors, matching the inventory's own count.

Performance: documents are parsed once per distinct text (managed policies are shared), and the combined result
is cached per distinct set of documents, so thousands of principals take seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from assurance_jobs.scan.policy import EffectivePermissions, ParsedPolicy, PolicyParseError, effective_permissions
from assurance_jobs.scan.policy import parse_policy as _parse_policy
from assurance_jobs.scan.privesc import reachable_methods
from assurance_jobs.scan.trust import TrustFacts, trust_facts
from assurance_jobs.schema import POLICY_FACT_COLUMNS, is_missing

IDENTITY_ATTACHMENTS = frozenset({"inline", "managed", "group_inline", "group_managed"})
NOT_IN_SNAPSHOT = "document not in snapshot"  # the inventory's marker for an uncollected AWS-managed document

FACT_COLUMNS = POLICY_FACT_COLUMNS  # the policy engine's identity facts (assurance_jobs/schema.py)


@dataclass
class _PrincipalDocs:
    identity: list[str] = field(default_factory=list)
    boundary: list[str] = field(default_factory=list)
    trust: list[str] = field(default_factory=list)
    errors: int = 0


def _text(document: object) -> str:
    """Documents are JSON strings by contract; a dict is accepted and serialised (stable, hashable cache key)."""
    return document if isinstance(document, str) else json.dumps(document, sort_keys=True)


def _group(policies: pd.DataFrame) -> dict[str, _PrincipalDocs]:
    """principal_arn -> its documents by role; rows without a usable document become error counts."""
    groups: dict[str, _PrincipalDocs] = {}
    columns = ("principal_arn", "attachment", "document", "parse_error")
    if policies.empty:
        return groups
    for arn, attachment, document, error in zip(*(policies[c].tolist() for c in columns), strict=True):
        docs = groups.setdefault(arn, _PrincipalDocs())
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


@lru_cache(maxsize=8192)
def _permissions(identity_docs: tuple[str, ...], boundary: str | None) -> tuple[EffectivePermissions, int]:
    """(effective permissions, count of documents that failed to parse), cached per distinct document set."""
    parsed = [_try_parse(d) for d in identity_docs]
    good = [p for p in parsed if p is not None]
    bound = _try_parse(boundary) if boundary is not None else None
    errors = len(parsed) - len(good) + (1 if boundary is not None and bound is None else 0)
    return effective_permissions(good, bound), errors


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


def _permission_facts(docs: _PrincipalDocs) -> tuple[dict[str, object], int]:
    boundary = docs.boundary[0] if docs.boundary else None
    perms, errors = _permissions(tuple(sorted(set(docs.identity))), boundary)
    services = perms.sensitive_wildcard_services
    methods = reachable_methods(perms)
    facts = {
        "effective_admin": perms.effective_admin,
        "sensitive_wildcard_services": ",".join(services),
        "sensitive_wildcard_count": len(services),
        "privesc_methods": ",".join(methods),
        "privesc_method_count": len(methods),
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


def _row(docs: _PrincipalDocs, own: str, known: frozenset[str]) -> dict[str, object]:
    perm_facts, perm_errors = _permission_facts(docs)
    trust, trust_errors = _trust_facts(docs.trust, own, known)
    return {**perm_facts, **trust, "policy_parse_errors": docs.errors + perm_errors + trust_errors}


def _fallback_trust(identities: pd.DataFrame) -> dict[str, str]:
    """identities.trust_policy for roles that have no 'trust' row in the policies table."""
    if "trust_policy" not in identities.columns:
        return {}
    return {
        a: t
        for a, t in zip(identities["arn"].tolist(), identities["trust_policy"].tolist(), strict=True)
        if not is_missing(t)
    }


def policy_facts_for(policies: pd.DataFrame, identities: pd.DataFrame, known_accounts: list[str]) -> pd.DataFrame:
    """One row per identity (``account_id``, ``arn``, then FACT_COLUMNS), in the identities' order."""
    groups = _group(policies)
    fallback = _fallback_trust(identities)
    known = frozenset(known_accounts)
    rows = []
    for account_id, arn in zip(identities["account_id"].tolist(), identities["arn"].tolist(), strict=True):
        docs = groups.get(arn, _PrincipalDocs())
        if not docs.trust and arn in fallback:
            docs.trust.append(fallback[arn])
        rows.append({"account_id": account_id, "arn": arn, **_row(docs, str(account_id), known)})
    frame = pd.DataFrame(rows, columns=["account_id", "arn", *FACT_COLUMNS])
    return frame.astype(FACT_COLUMNS)
