"""The demo's Kubernetes cluster: an EKS cluster in the emulated AWS account (with its IAM OIDC provider, an IRSA
role and a Pod Identity role) whose API is an emulated server (kmock) holding what a fresh API server creates plus
planted defects — among them a CI service account that can create pods in kube-system, and one whose IRSA role can
pass an administrator role to Lambda: both single paths to an admin.

The emulator has no authorizer and issues no tokens (demo/kubernetes_api.py): the RBAC planted here is analysed,
never enforced. The collector reaches it through a kubeconfig context, exactly as it would reach a real cluster.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import yaml
from freezegun import freeze_time

from assurance_jobs.assets import DEMO_DATA, asset_folder
from assurance_jobs.demo.kubernetes_api import EmulatedCluster
from assurance_jobs.demo.server import DEMO_REGION

CLUSTER = "demo-eks"
SCOPE = f"k8s:{CLUSTER}"
ACCOUNT = "123456789012"
OWNER_PLATFORM = "jonas.berg@example.com"
RBAC = "rbac.authorization.k8s.io/v1"
IRSA_ROLE = "eks-ci-deployer"
POD_IDENTITY_ROLE = "eks-metrics-exporter"
ADMIN_ROLE = "ops-break-glass-automation"
"""A planted administrator role Lambda may assume (demo/planted.py): what the IRSA role can pass."""


def _sa(ns: str, name: str, *, owner: str | None = None, automount: bool | None = None, **extra: str) -> dict:
    annotations = {**({"owner": owner} if owner else {}), **extra}
    meta: dict[str, Any] = {"name": name, "namespace": ns, "uid": f"sa-{ns}-{name}"}
    if annotations:
        meta["annotations"] = annotations
    item: dict[str, Any] = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
    if automount is not None:
        item["automountServiceAccountToken"] = automount
    return item


def _binding(kind: str, name: str, role: str, subjects: list[dict], ns: str | None = None) -> dict:
    ref_kind, _, ref_name = role.partition("/")
    meta = {"name": name, **({"namespace": ns} if ns else {})}
    return {
        "apiVersion": RBAC,
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": ref_kind, "name": ref_name},
        "subjects": subjects,
    }


def _subject(ns: str, name: str) -> dict:
    return {"kind": "ServiceAccount", "name": name, "namespace": ns}


def _cluster_role(name: str, rules: list[dict]) -> dict:
    return {"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": name}, "rules": rules}


def _namespace(name: str, owner: str | None) -> dict:
    meta: dict[str, Any] = {"name": name, "uid": f"ns-{name}", "labels": {"kubernetes.io/metadata.name": name}}
    if owner:
        meta["annotations"] = {"owner": owner}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta, "status": {"phase": "Active"}}


def _pod(ns: str, name: str, account: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": f"pod-{ns}-{name}"},
        "spec": {"serviceAccountName": account, "nodeName": "ip-10-0-1-17.ec2.internal"},
    }


def _token_secret(ns: str, name: str, account: str, created: datetime) -> dict:
    """A legacy token secret. The emulator holds a made-up token in `data`; the collector never keeps it."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/service-account-token",
        "metadata": {
            "name": name,
            "namespace": ns,
            "creationTimestamp": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "annotations": {"kubernetes.io/service-account.name": account},
        },
        "data": {"token": DEMO_TOKEN_CANARY},
    }


DEMO_TOKEN_CANARY = "ZGVtby1sZWdhY3ktdG9rZW4tY2FuYXJ5LW5ldmVyLWluLWEtcmVwb3J0"
"""The planted legacy token's value: the canary tests look for in every output file."""


def planted_objects(now: datetime) -> list[dict]:
    """The cluster's own objects (besides the bootstrap ones), each planting a defect or proving a silence."""
    sa = _subject
    return [
        _namespace("ci", OWNER_PLATFORM),
        _namespace("monitoring", OWNER_PLATFORM),
        _namespace("ops", None),
        _namespace("payments", OWNER_PLATFORM),
        _sa("ci", "deployer", **{"eks.amazonaws.com/role-arn": f"arn:aws:iam::{ACCOUNT}:role/{IRSA_ROLE}"}),
        _sa("ci", "legacy-bot", automount=False),
        _sa("kube-system", "cluster-bootstrap", owner=OWNER_PLATFORM),
        _sa("monitoring", "prometheus"),
        _sa("ops", "janitor"),
        _sa("payments", "exporter", automount=False),
        _sa("payments", "api", automount=False),
        _binding("RoleBinding", "ci-deploys", "ClusterRole/edit", [sa("ci", "deployer")], "kube-system"),
        _binding(
            "ClusterRoleBinding",
            "bootstrap-admin",
            "ClusterRole/cluster-admin",
            [sa("kube-system", "cluster-bootstrap")],
        ),
        _cluster_role(
            "secret-watcher", [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}]
        ),
        _binding(
            "ClusterRoleBinding", "prometheus-secrets", "ClusterRole/secret-watcher", [sa("monitoring", "prometheus")]
        ),
        _cluster_role("apps-everything", [{"apiGroups": ["apps"], "resources": ["*"], "verbs": ["*"]}]),
        _binding("RoleBinding", "janitor-apps", "ClusterRole/apps-everything", [sa("ops", "janitor")], "ops"),
        _binding("RoleBinding", "ghost-runner", "ClusterRole/edit", [sa("ci", "ghost-runner")], "ci"),
        _binding("RoleBinding", "default-view", "ClusterRole/view", [sa("payments", "default")], "payments"),
        _binding("RoleBinding", "api-view", "ClusterRole/view", [sa("payments", "api")], "payments"),
        _pod("payments", "batch-7f9c", "default"),
        _pod("payments", "api-6d8b", "api"),
        _pod("kube-system", "cluster-bootstrap-0", "cluster-bootstrap"),
        _token_secret("ci", "legacy-bot-token", "legacy-bot", now - timedelta(days=200)),
    ]


OVERNIGHT = _binding(
    "RoleBinding",
    "exporter-secrets",
    "ClusterRole/secret-watcher",
    [_subject("payments", "exporter")],
    "payments",
)
"""Added between the two days: RBAC the exporter gains outside its approved bindings (NHI-K8S-017)."""


def _id(ns: str, name: str) -> str:
    return f"{SCOPE}:serviceaccount:{ns}:{name}"


KUBERNETES_LEDGER: tuple[tuple[str, str], ...] = (
    ("NHI-K8S-001", _id("kube-system", "cluster-bootstrap")),
    ("NHI-K8S-002", _id("ops", "janitor")),
    ("NHI-K8S-003", _id("monitoring", "prometheus")),
    ("NHI-K8S-004", _id("ci", "deployer")),
    ("NHI-K8S-005", _id("ci", "deployer")),
    ("NHI-K8S-006", _id("ci", "deployer")),
    ("NHI-K8S-008", _id("payments", "default")),
    ("NHI-K8S-009", _id("payments", "default")),
    ("NHI-K8S-010", _id("ci", "deployer")),
    ("NHI-K8S-010", _id("kube-system", "cluster-bootstrap")),
    ("NHI-K8S-010", _id("monitoring", "prometheus")),
    ("NHI-K8S-011", f"{SCOPE}:secret:ci:legacy-bot-token"),
    ("NHI-K8S-012", f"{SCOPE}:secret:ci:legacy-bot-token"),
    ("NHI-K8S-013", _id("ci", "ghost-runner")),
    ("NHI-K8S-014", _id("ops", "default")),
    ("NHI-K8S-014", _id("ops", "janitor")),
    ("NHI-K8S-015", _id("monitoring", "prometheus")),
    ("NHI-K8S-015", _id("ops", "janitor")),
    ("NHI-K8S-015", _id("payments", "exporter")),
    ("NHI-K8S-016", _id("payments", "exporter")),
    ("NHI-K8S-017", _id("payments", "exporter")),
    ("NHI-K8S-018", _id("ci", "deployer")),
    ("NHI-LP-003", f"arn:aws:iam::{ACCOUNT}:role/{IRSA_ROLE}"),
)
"""(rule, resource) of every Kubernetes defect the demo plants (today's view, after the overnight change)."""


def baseline_entries() -> list[dict[str, Any]]:
    """The reviewed model: what each of the cluster's own service accounts may hold."""
    return [
        {
            "name": "ci deployer",
            "cluster": CLUSTER,
            "service_account": "ci/deployer",
            "approved_bindings": ["RoleBinding/kube-system/ci-deploys → ClusterRole/edit"],
            "approved_aws_roles": [f"arn:aws:iam::{ACCOUNT}:role/{IRSA_ROLE}"],
        },
        {
            "name": "platform bootstrap",
            "cluster": CLUSTER,
            "service_account": "kube-system/cluster-bootstrap",
            "approved_bindings": ["ClusterRoleBinding/bootstrap-admin → ClusterRole/cluster-admin"],
        },
        {
            "name": "payments workloads",
            "cluster": CLUSTER,
            "service_account": "payments/*",
            "approved_bindings": ["RoleBinding/payments/*-view → ClusterRole/view"],
            "approved_aws_roles": [],
        },
    ]


# ------------------------------------------------------------------------------------------------- AWS side


def _trust(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def seed_eks(endpoint: str, now: datetime) -> str:
    """The EKS cluster, its IAM OIDC provider, the IRSA role and the Pod Identity role; returns the issuer."""
    eks = boto3.client("eks", endpoint_url=endpoint, region_name=DEMO_REGION)
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=DEMO_REGION)
    tags = [{"Key": "owner", "Value": OWNER_PLATFORM}, {"Key": "app", "Value": "eks"}]
    with freeze_time(now - timedelta(days=3)):
        eks.create_cluster(name=CLUSTER, roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks-cluster", resourcesVpcConfig={})
        issuer = eks.describe_cluster(name=CLUSTER)["cluster"]["identity"]["oidc"]["issuer"]
        host = issuer.removeprefix("https://")
        provider = iam.create_open_id_connect_provider(
            Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
        )["OpenIDConnectProviderArn"]
        irsa = {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{host}:sub": "system:serviceaccount:ci:deployer", f"{host}:aud": "sts.amazonaws.com"}
            },
        }
        iam.create_role(RoleName=IRSA_ROLE, AssumeRolePolicyDocument=_trust(irsa), Tags=tags)
        deploy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                    "Resource": "*",
                }
            ],
        }
        iam.put_role_policy(RoleName=IRSA_ROLE, PolicyName="deploy-functions", PolicyDocument=json.dumps(deploy))
        pods = {
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
        iam.create_role(RoleName=POD_IDENTITY_ROLE, AssumeRolePolicyDocument=_trust(pods), Tags=tags)
        read = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}],
        }
        iam.put_role_policy(RoleName=POD_IDENTITY_ROLE, PolicyName="metrics", PolicyDocument=json.dumps(read))
        eks.create_pod_identity_association(
            clusterName=CLUSTER,
            namespace="payments",
            serviceAccount="exporter",
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{POD_IDENTITY_ROLE}",
        )
    return issuer


# ---------------------------------------------------------------------------------------------- the cluster


@dataclass(frozen=True)
class DemoCluster:
    emulated: EmulatedCluster
    kubeconfig: Path

    def config_entry(self, account: str) -> dict[str, Any]:
        """The `clusters:` entry a team would write: reached by kubeconfig, its AWS side named."""
        return {
            "name": CLUSTER,
            "context": CLUSTER,
            "kubeconfig": str(self.kubeconfig),
            "eks": {"cluster_name": CLUSTER, "region": DEMO_REGION, "account": account},
        }

    def drift_overnight(self) -> None:
        self.emulated.seed([OVERNIGHT])


def _bootstrap_items() -> list[dict[str, Any]]:
    """What a fresh API server holds, its namespaces annotated with the platform team as owner (as a team would)."""
    lists = json.loads((asset_folder(DEMO_DATA) / "kubernetes_bootstrap.json").read_text(encoding="utf-8"))
    items = copy.deepcopy([*lists["namespaces"]["items"], *lists["serviceaccounts"]["items"], *lists["rbac"]["items"]])
    for item in items:
        if item["kind"] == "Namespace":
            item["metadata"]["annotations"] = {"owner": OWNER_PLATFORM}
    return items


def _default_accounts(namespaces: list[str]) -> list[dict]:
    """The serviceaccount controller gives every namespace a `default` account."""
    return [_sa(ns, "default") for ns in namespaces]


def write_kubeconfig(path: Path, server: str) -> Path:
    """A kubeconfig with one context for the emulated API server (plain HTTP on loopback, no credentials)."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CLUSTER, "cluster": {"server": server}}],
        "users": [{"name": "auditor", "user": {}}],
        "contexts": [{"name": CLUSTER, "context": {"cluster": CLUSTER, "user": "auditor"}}],
        "current-context": CLUSTER,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@contextmanager
def demo_cluster(folder: Path, now: datetime) -> Iterator[DemoCluster]:
    """The emulated API server, seeded, for the length of the demo; its kubeconfig under `folder`."""
    with EmulatedCluster() as emulated:
        planted = planted_objects(now)
        namespaces = [o["metadata"]["name"] for o in planted if o["kind"] == "Namespace"]
        emulated.seed([*_bootstrap_items(), *_default_accounts(namespaces), *planted])
        folder.mkdir(parents=True, exist_ok=True)
        yield DemoCluster(emulated, write_kubeconfig(folder / "kubeconfig", emulated.url))


def write_kubernetes_baseline(folder: Path) -> Path:
    """The cluster's part of the reviewed baseline, a file of its own beside the IAM one."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kubernetes.yaml"
    body = yaml.safe_dump({"service_accounts": baseline_entries()}, sort_keys=False, allow_unicode=True)
    path.write_text(
        "# Approved Kubernetes operating model (generated by assurance-jobs demo)\n" + body, encoding="utf-8"
    )
    return path
