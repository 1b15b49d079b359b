"""Kubernetes subjects in the one escalation graph: `create pods in kube-system → cluster-admin` and
`service account → IRSA role → iam:PassRole → admin` are single paths, as NHI-LP-003 shows them."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from kubernetes_fixtures import analysed as tables
from kubernetes_fixtures import (
    cluster_role,
    cluster_role_binding,
    irsa_account,
    pod,
    role_binding,
    rule,
    sa_subject,
    service_account,
    token_secret,
)

from assurance_jobs.scan.kubernetes.inventory import frame
from assurance_jobs.scan.kubernetes.subjects import AwsRoles
from assurance_jobs.scan.principal_permissions import principal_facts
from assurance_jobs.schema import PRINCIPAL_LINK_COLUMNS

ACCOUNT = "111122223333"
ISSUER_HOST = "oidc.eks.us-east-1.amazonaws.com/id/5C7E1AB2D3F4"
ISSUER = f"https://{ISSUER_HOST}"
DEPLOYER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-deployer"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform-admin"
CI = "k8s:prod:serviceaccount:ci:deployer"


def irsa_trust(subject: str, operator: str = "StringEquals") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER_HOST}"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {operator: {f"{ISSUER_HOST}:sub": subject, f"{ISSUER_HOST}:aud": "sts.amazonaws.com"}},
                }
            ],
        }
    )


LAMBDA_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def iam(trust: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deployer role (PassRole + CreateFunction, trusted by `trust`) and an admin role Lambda can assume."""
    identities = pd.DataFrame(
        {
            "account_id": ACCOUNT,
            "arn": [DEPLOYER_ROLE, ADMIN_ROLE],
            "kind": "role",
            "name": ["ci-deployer", "platform-admin"],
            "trust_policy": [trust, LAMBDA_TRUST],
        }
    )
    passrole = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                "Resource": "*",
            }
        ],
    }
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    policies = pd.DataFrame(
        [
            {
                "account_id": ACCOUNT,
                "principal_arn": arn,
                "attachment": kind,
                "policy_name": "p",
                "policy_arn": None,
                "via_group": None,
                "document": json.dumps(document) if isinstance(document, dict) else document,
                "parse_error": None,
            }
            for arn, kind, document in [
                (DEPLOYER_ROLE, "inline", passrole),
                (ADMIN_ROLE, "inline", admin),
                (DEPLOYER_ROLE, "trust", trust),
                (ADMIN_ROLE, "trust", LAMBDA_TRUST),
            ]
        ]
    )
    return identities, policies


def reach(links: list[dict[str, Any]], trust: str = LAMBDA_TRUST) -> dict[str, dict[str, Any]]:
    identities, policies = iam(trust)
    facts = principal_facts(policies, identities, [], links=frame(links, PRINCIPAL_LINK_COLUMNS, ("source_id",)))
    return {row["node_id"]: row for row in facts.linked_reach.to_dict("records")}


def test_a_ci_account_that_creates_pods_in_kube_system_reaches_cluster_admin_in_one_path() -> None:
    found = tables(
        service_account("ci", "deployer"),
        service_account("kube-system", "bootstrap"),
        role_binding("kube-system", "ci-deploys", "ClusterRole/edit", sa_subject("ci", "deployer")),
        cluster_role_binding("bootstrap-admin", "cluster-admin", sa_subject("kube-system", "bootstrap")),
    )
    verdict = reach(found.links)[CI]
    assert verdict["privesc_escalates"]
    assert verdict["privesc_path"] == (
        "prod:serviceaccount/ci/deployer → create pods in kube-system → as prod:serviceaccount/kube-system/bootstrap"
        " → cluster-admin (ClusterRoleBinding/bootstrap-admin → ClusterRole/cluster-admin)"
    )


def test_exec_into_a_running_pod_reaches_the_account_it_runs_as() -> None:
    enter = cluster_role("pod-exec", [rule([""], ["pods/exec"], ["create"])])
    found = tables(
        service_account("ci", "deployer"),
        service_account("kube-system", "bootstrap"),
        enter,
        role_binding("kube-system", "ci-exec", "ClusterRole/pod-exec", sa_subject("ci", "deployer")),
        cluster_role_binding("bootstrap-admin", "cluster-admin", sa_subject("kube-system", "bootstrap")),
        pods=[pod("kube-system", "bootstrap-0", "bootstrap")],
    )
    path = reach(found.links)[CI]["privesc_path"]
    assert "exec into pods in kube-system → running as prod:serviceaccount/kube-system/bootstrap" in path


def test_reading_secrets_reaches_the_accounts_whose_legacy_token_is_readable() -> None:
    reader = cluster_role("secret-reader", [rule([""], ["secrets"], ["get"])])
    found = tables(
        service_account("ci", "deployer"),
        service_account("kube-system", "bootstrap"),
        reader,
        role_binding("kube-system", "ci-read", "ClusterRole/secret-reader", sa_subject("ci", "deployer")),
        cluster_role_binding("bootstrap-admin", "cluster-admin", sa_subject("kube-system", "bootstrap")),
        secrets=[token_secret("kube-system", "bootstrap-token", "bootstrap", created="2026-01-01T00:00:00Z")],
    )
    path = reach(found.links)[CI]["privesc_path"]
    assert "read secrets in kube-system → the token of prod:serviceaccount/kube-system/bootstrap" in path


def test_an_irsa_account_whose_role_can_pass_an_admin_role_reaches_aws_admin() -> None:
    trust = irsa_trust("system:serviceaccount:ci:deployer")
    found = tables(irsa_account("ci", "deployer", DEPLOYER_ROLE), roles=AwsRoles({DEPLOYER_ROLE: trust}), issuer=ISSUER)
    verdict = reach(found.links, trust)[CI]
    assert verdict["privesc_path"].startswith(
        "prod:serviceaccount/ci/deployer → IRSA web identity → role/ci-deployer → "
    )
    assert verdict["privesc_path"].endswith("admin")


def test_an_irsa_annotation_the_role_s_trust_does_not_admit_is_no_edge() -> None:
    trust = irsa_trust("system:serviceaccount:ci:someone-else")
    found = tables(irsa_account("ci", "deployer", DEPLOYER_ROLE), roles=AwsRoles({DEPLOYER_ROLE: trust}), issuer=ISSUER)
    row = next(r for r in found.subjects if r["arn"] == CI)
    assert row["irsa_status"] == "not admitted"
    assert not [link for link in found.links if link["source_id"] == CI]


def test_a_wildcard_subject_in_the_trust_admits_every_account_of_the_namespace() -> None:
    trust = irsa_trust("system:serviceaccount:ci:*", "StringLike")
    found = tables(irsa_account("ci", "deployer", DEPLOYER_ROLE), roles=AwsRoles({DEPLOYER_ROLE: trust}), issuer=ISSUER)
    assert [link["target_id"] for link in found.links if link["source_id"] == CI] == [DEPLOYER_ROLE]


def test_an_irsa_role_outside_the_snapshot_is_counted_as_unknown() -> None:
    found = tables(irsa_account("ci", "deployer", DEPLOYER_ROLE), issuer=ISSUER)
    row = next(r for r in found.subjects if r["arn"] == CI)
    assert (row["irsa_status"], row["aws_roles_unknown_count"]) == ("role not in the snapshot", 1)


def test_a_cluster_wide_pod_creator_adds_one_edge_whatever_the_number_of_accounts() -> None:
    creator = cluster_role("pod-creator", [rule([""], ["pods"], ["create"])])
    accounts = [service_account(f"team-{i}", "app") for i in range(5)]
    admins = [cluster_role_binding(f"a{i}", "cluster-admin", sa_subject(f"team-{i}", "app")) for i in range(5)]
    found = tables(
        service_account("ci", "deployer"),
        *accounts,
        creator,
        *admins,
        cluster_role_binding("ci-pods", "pod-creator", sa_subject("ci", "deployer")),
    )
    assert [link["label"] for link in found.links if link["source_id"] == CI] == ["create pods cluster-wide"]
    assert reach(found.links)[CI]["privesc_escalates"]
