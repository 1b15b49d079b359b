"""What the report says about Kubernetes subjects: their page facts (cluster, namespace, RBAC, AWS roles) and the
clusters the row filter offers.

A cluster is a scope of its own (`k8s:<cluster>` in the account column of rule results and findings): it gets a
Cluster filter beside the Account filter, and its subjects' pages say which cluster and namespace they live in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from assurance_jobs.output import views as vw

CLUSTER_PREFIX = "k8s:"
ANY_CLUSTER = "k8s:*"

HEADER_FACTS: tuple[tuple[str, str], ...] = (
    ("cluster", "Cluster"),
    ("namespace", "Namespace"),
    ("cluster_arn", "EKS cluster"),
    ("bindings", "Bindings naming it"),
    ("irsa_role_arn", "IRSA role (eks.amazonaws.com/role-arn)"),
    ("irsa_status", "IRSA trust"),
    ("pod_identity_roles", "EKS Pod Identity roles"),
    ("pods_using", "Pods running as it"),
)
"""Subject columns shown in an identity page's header, in reading order (absent or empty: skipped)."""

RBAC_FACTS: tuple[tuple[str, str], ...] = (
    ("cluster_admin_via", "cluster-admin (or * on */* cluster-wide)"),
    ("wildcard_grants", "Wildcard grants"),
    ("secrets_cluster_wide", "Secrets readable cluster-wide"),
    ("escalation_grants", "Escalate, bind or impersonate"),
    ("takeover_grants", "Pod creation or entry in privileged namespaces, nodes/proxy"),
    ("token_create_grants", "Token creation for service accounts"),
    ("cluster_control_grants", "Certificate approval or admission webhooks"),
    ("unapproved_bindings", "Bindings beyond the approved baseline"),
    ("unapproved_aws_roles", "AWS roles beyond the approved baseline"),
    ("drift_rbac_gained", "RBAC gained since the previous stored day, outside the baseline"),
)
"""Subject fact columns summarised under "Effective permissions" (the path itself comes from `privesc_path`)."""


def is_cluster_scope(scope: str) -> bool:
    return scope.startswith(CLUSTER_PREFIX)


def cluster_scopes(rule_results: pd.DataFrame) -> list[str]:
    """The clusters a report covers (their scopes), for the Cluster filter."""
    if not len(rule_results) or "account_id" not in rule_results.columns:
        return []
    scopes = {vw.text(account) for account in rule_results["account_id"]}
    return sorted(scope for scope in scopes if is_cluster_scope(scope) and scope != ANY_CLUSTER)


def subject_rows(subjects: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    """Subject id → its row, for the identity pages."""
    if subjects is None or not len(subjects.columns):
        return {}
    return {vw.text(r.get("arn")): r for r in vw.records(subjects, ["arn"])}


def header_facts(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(label, vw.text(row.get(column))) for column, label in HEADER_FACTS if vw.text(row.get(column))]


def rbac_facts(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    if "cluster" not in row:
        return []
    facts = [(label, vw.text(row.get(column)) or "none") for column, label in RBAC_FACTS if column in row]
    rules = row.get("rbac_rules")
    listed: Iterable[Any] = rules if isinstance(rules, list | tuple) or hasattr(rules, "tolist") else []
    shown = [str(rule) for rule in list(listed)]
    facts.append(("Effective RBAC rules", "; ".join(shown) if shown else "none"))
    return facts
