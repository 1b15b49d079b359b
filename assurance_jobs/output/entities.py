"""One page per identity and per managed policy: everything an auditor asks about one principal, in one place.

An identity page gathers what the inventory knows (kind, owner and owner status, tags, policies with their
documents, trust policy, effective-permission facts, credentials with ages and last use), what the rules found,
what changed over the last stored days (its drift history, newest first) and who can reach it. Managed policy
documents are printed once, on their own page, and linked from every identity they are attached to: a policy
attached to 5,000 roles is not copied 5,000 times. Inline documents belong to one principal and are printed on its page.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from assurance_jobs.output import kubernetes as k8s
from assurance_jobs.output import views as vw
from assurance_jobs.output.drift import DriftEntry, drift_by_principal, drift_days, drift_history
from assurance_jobs.output.observed import render as render_observed
from assurance_jobs.schema import OBSERVED_KINDS

OWNER_NOT_CHECKED = "not_checked"

ATTACHMENTS = {
    "inline": "inline",
    "managed": "managed",
    "group_inline": "inline, via group",
    "group_managed": "managed, via group",
    "boundary": "permissions boundary",
}
"""How each attachment kind reads on the page (the trust policy has its own section)."""

MANAGED = frozenset({"managed", "group_managed", "boundary"})

PERMISSION_FACTS: tuple[tuple[str, str], ...] = (
    ("effective_admin", "Effective administrator"),
    ("sensitive_wildcard_services", "Wildcards on sensitive services"),
    ("privesc_methods", "Privilege-escalation methods"),
    ("privesc_path", "Shortest privilege-escalation path"),
    ("privesc_latent_path", "Latent privilege escalation (what is missing, or what cannot be decided)"),
    ("privesc_blocked", "Escalation methods blocked by service control policies"),
    ("unapproved_permissions", "Permissions beyond the approved baseline"),
    ("unapproved_managed_policies", "Managed policies beyond the baseline"),
    ("jit_expired_grants", "Just-in-time grants past their window"),
    ("trust_open_unconditioned", "Trust open to anyone without conditions"),
    ("cross_account_without_external_id", "Accounts trusted without an ExternalId"),
    ("oidc_subject_unconstrained", "OIDC trust without a subject condition"),
    ("unapproved_trust_principals", "Trust principals beyond the baseline"),
    ("policy_parse_errors", "Policy documents that did not parse"),
    ("policy_documents_missing", "Attached policies missing from the snapshot"),
    ("rt_granted_vs_used", "Granted vs used (stored CloudTrail activity)"),
)
"""Identity fact columns summarised under "Effective permissions", in reading order; absent columns are skipped."""


def fact_text(value: Any, column: str = "") -> str:
    """A fact cell rendered from its column's declared kind (booleans as yes/no, account ids as written, lists
    spaced with AWS casing); a count of 0 reads "none"; '' when empty."""
    kind = OBSERVED_KINDS.get(column, "text")
    if isinstance(value, bool):
        return "yes" if value else "no"
    shown = vw.text(value)
    if shown in ("True", "False"):
        return "yes" if shown == "True" else "no"
    if not shown:
        return ""
    return "none" if shown == "0" and kind in ("count", "text") else render_observed(shown, kind)


@dataclass
class IdentityIndex:
    """The bundle's rows grouped by principal once, so each identity page is a set of dictionary lookups."""

    identities: dict[str, dict[str, Any]]
    findings: dict[str, list[dict[str, str]]]
    credentials: dict[str, list[dict[str, Any]]]
    policies: dict[str, list[dict[str, Any]]]
    drift: dict[str, list[DriftEntry]]
    """Per principal, its drift rows over the history window, newest day first (only principals that changed)."""
    drift_days: list[date]
    """The stored days the drift history covers, newest first (the report's day first)."""
    drift_compared: bool
    """Whether any of those days holds drift tables (False: only a first stored day, nothing compared)."""
    reachable_columns: bool

    @classmethod
    def build(cls, bundle: Any, rows: list[dict[str, str]]) -> IdentityIndex:
        findings: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in rows:
            findings[row["identity"]].append(row)
        credentials: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for cred in vw.records(bundle.credentials, ["owner_arn", "credential_id"]):
            credentials[vw.text(cred.get("owner_arn"))].append(cred)
        policies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for policy in vw.records(bundle.policies, ["principal_arn", "attachment", "via_group", "policy_name"]):
            policies[vw.text(policy.get("principal_arn"))].append(policy)
        days = drift_days(bundle)
        drift = drift_by_principal(days)
        identities = {vw.text(r.get("arn")): r for r in vw.records(bundle.identities, ["arn"])}
        identities.update(k8s.subject_rows(getattr(bundle, "kubernetes_subjects", None)))
        return cls(
            identities=identities,
            findings=dict(findings),
            credentials=dict(credentials),
            policies=dict(policies),
            drift=drift,
            drift_days=[day for day, _ in days],
            drift_compared=any(tables for _, tables in days),
            reachable_columns=bool(
                {"privesc_reachable_by", "privesc_reachable_by_count"} & set(bundle.identities.columns)
            ),
        )

    def arns(self) -> list[str]:
        return sorted(set(self.identities) | set(self.findings))


def identity_context(arn: str, index: IdentityIndex, rules: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The template context of one identity's page."""
    row = index.identities.get(arn) or {}
    owner_status = vw.text(row.get("owner_status"))
    is_nhi = row.get("is_nhi")
    findings = [_finding(f, arn, rules) for f in index.findings.get(arn, [])]
    probe_client = not row and bool(findings) and all(_is_probe_finding(f, rules) for f in findings)
    return {
        "arn": arn,
        "label": f"Probe client {arn}" if probe_client and not arn.startswith("arn:") else arn,
        "probe_client": probe_client,
        "known": bool(row),
        "facts": _probe_client_facts(findings) if probe_client else _header_facts(row),
        "owner": vw.text(row.get("owner")),
        "owner_tag_key": vw.text(row.get("owner_tag_key")),
        "owner_status": "" if owner_status == OWNER_NOT_CHECKED else owner_status.replace("_", " "),
        "owner_not_checked": owner_status == OWNER_NOT_CHECKED,
        "classification": "" if is_nhi is None or pd.isna(is_nhi) else ("non-human" if is_nhi else "human"),
        "reason": vw.text(row.get("classification_reason")),
        "tags": vw.tag_rows(row.get("tags")),
        "tags_raw": vw.text(row.get("tags")),
        "permissions": _permission_facts(row) + k8s.rbac_facts(row),
        "policies": [_policy_row(policy) for policy in index.policies.get(arn, []) if policy["attachment"] != "trust"],
        "trust_policy": vw.pretty_json(row.get("trust_policy")) if vw.text(row.get("trust_policy")) else "",
        "trust_principals": _linked(trust_principals(vw.text(row.get("trust_policy"))), index),
        "reachable_by": _reachable_by(row, index),
        "credentials": [_credential(cred) for cred in index.credentials.get(arn, [])],
        "findings": findings,
        "drift": drift_history(index.drift.get(arn, []), index.drift_days[0]),
        "drift_window": _drift_window(index),
        "source": {"file": vw.text(row.get("source_file")), "sha256": vw.text(row.get("source_sha256"))},
    }


def _is_probe_finding(finding: Mapping[str, str], rules: Mapping[str, Mapping[str, Any]]) -> bool:
    return vw.text(rules.get(finding["rule_id"], {}).get("subject")) == "probes"


def _probe_client_facts(findings: list[dict[str, str]]) -> list[tuple[str, str]]:
    """What a probe client page can say: it is the principal of token probes, against these resources."""
    resources = sorted({f["arn"] for f in findings})
    kind = "probe client (the principal a token probe authenticates as)"
    return [("Kind", kind), ("Resources probed", ", ".join(resources))]


def _header_facts(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    facts = [
        ("Kind", vw.text(row.get("kind"))),
        ("Account", vw.text(row.get("account_id"))),
        ("Name", vw.text(row.get("name"))),
        ("Path", vw.text(row.get("path"))),
        ("Unique id", vw.text(row.get("id"))),
        ("Created", vw.short_time(row.get("created"))),
        ("Last used", vw.short_time(row.get("last_used")) or "never"),
        ("Groups", vw.text(row.get("groups"))),
        ("Permissions boundary", vw.text(row.get("permissions_boundary_arn"))),
        ("Maximum session", _session(row.get("max_session_seconds"))),
        ("Console access", fact_text(row.get("console_access"), "console_access") if "console_access" in row else ""),
        ("Service-linked", "yes" if row.get("is_service_linked") is True else ""),
    ]
    return [(label, value) for label, value in facts if value] + k8s.header_facts(row)


def _session(seconds: Any) -> str:
    shown = vw.text(seconds)
    return render_observed(shown, "seconds") if shown else ""


def _permission_facts(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (label, fact_text(row.get(column), column) or "none") for column, label in PERMISSION_FACTS if column in row
    ]


def _policy_row(policy: Mapping[str, Any]) -> dict[str, str]:
    attachment = vw.text(policy.get("attachment"))
    policy_arn = vw.text(policy.get("policy_arn"))
    managed = attachment in MANAGED and bool(policy_arn)
    return {
        "attachment": ATTACHMENTS.get(attachment, attachment),
        "name": vw.text(policy.get("policy_name")) or policy_arn,
        "policy_arn": policy_arn,
        "via_group": vw.text(policy.get("via_group")),
        "href": vw.policy_href(policy_arn) if managed else "",
        "document": "" if managed else vw.pretty_json(policy.get("document")),
        "parse_error": vw.text(policy.get("parse_error")),
    }


def trust_principals(document: str) -> list[str]:
    """Every principal a trust policy's Allow statements name (ARNs, services, federated providers), sorted."""
    try:
        parsed = json.loads(document) if document else {}
    except ValueError:
        return []
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    statements = [statements] if isinstance(statements, dict) else statements
    found: set[str] = set()
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if isinstance(principal, str):
            found.add(principal)
        elif isinstance(principal, dict):
            for value in principal.values():
                found.update([value] if isinstance(value, str) else [str(v) for v in value or []])
    return sorted(found)


def _linked(arns: list[str], index: IdentityIndex) -> list[dict[str, str]]:
    """ARNs with a link when the report has a page for them."""
    known = index.identities
    return [{"arn": arn, "href": vw.identity_href(arn) if arn in known else ""} for arn in arns]


def _reachable_by(row: Mapping[str, Any], index: IdentityIndex) -> dict[str, Any] | None:
    """Principals that can escalate to this one (the privilege-escalation graph's columns), when computed."""
    if not index.reachable_columns:
        return None
    arns = [arn.strip() for arn in vw.text(row.get("privesc_reachable_by")).split(",") if arn.strip()]
    count = vw.text(row.get("privesc_reachable_by_count")) or str(len(arns))
    return {"count": count, "principals": _linked(arns, index)}


def _credential(row: Mapping[str, Any]) -> dict[str, str]:
    return {
        "id": vw.resource_suffix(vw.text(row.get("credential_id")), vw.text(row.get("owner_arn"))),
        "kind": vw.text(row.get("kind")).replace("_", " "),
        "region": vw.text(row.get("region")),
        "active": fact_text(row.get("active")) if vw.text(row.get("active")) else "",
        "created": vw.short_time(row.get("created")),
        "age": fact_text(row.get("age_days"), "age_days"),
        "last_rotated": vw.short_time(row.get("last_rotated")) or "never",
        "last_used": vw.short_time(row.get("last_used")) or "never",
        "unused": fact_text(row.get("days_since_last_use"), "days_since_last_use"),
        "expires": vw.short_time(row.get("expires")),
    }


def _finding(row: Mapping[str, str], identity: str, rules: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    meta = rules.get(row["rule_id"], {})
    return {
        **row,
        "severity": vw.text(meta.get("severity")) or row["severity"],
        "title": vw.text(meta.get("title")),
        "resource": vw.resource_suffix(row["arn"], identity),
    }


def _drift_window(index: IdentityIndex) -> dict[str, Any]:
    """What the drift section covers: how many stored days, from which to which, and whether any was compared."""
    days = index.drift_days
    return {
        "days": len(days),
        "first": days[-1].isoformat(),
        "last": days[0].isoformat(),
        "compared": index.drift_compared,
    }


def policy_pages(index: IdentityIndex) -> Iterator[tuple[str, dict[str, Any]]]:
    """(relative path, context) for each managed policy attached to at least one principal."""
    attached: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for arn, policies in index.policies.items():
        for policy in policies:
            if vw.text(policy.get("attachment")) in MANAGED and vw.text(policy.get("policy_arn")):
                attached[vw.text(policy["policy_arn"])].append({**policy, "principal": arn})
    for policy_arn in sorted(attached):
        rows = attached[policy_arn]
        principals = sorted({row["principal"] for row in rows})
        yield (
            vw.policy_href(policy_arn),
            {
                "policy_arn": policy_arn,
                "name": vw.text(rows[0].get("policy_name")) or policy_arn,
                "document": vw.pretty_json(rows[0].get("document")),
                "parse_error": vw.text(rows[0].get("parse_error")),
                "principals": _linked(principals, index),
                "groups": sorted({vw.text(r.get("via_group")) for r in rows if vw.text(r.get("via_group"))}),
            },
        )
