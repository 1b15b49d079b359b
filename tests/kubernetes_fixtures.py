"""Kubernetes objects in the shapes a real API server stores and `kubectl get -o json` prints, for the collector
and analysis tests: the bootstrap RBAC, namespaces and default service accounts every cluster starts with (kept
with the demo, written from the Kubernetes documentation), and small builders for the objects a test adds."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from assurance_jobs.assets import DEMO_DATA, asset_folder
from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.kubernetes.inventory import ClusterSettings, KubernetesTables, cluster_tables
from assurance_jobs.scan.kubernetes.objects import Cluster, Objects
from assurance_jobs.scan.kubernetes.subjects import AwsRoles
from assurance_jobs.scan.sources.common import Context, Provenance

RBAC_API = "rbac.authorization.k8s.io/v1"
CANARY_TOKEN = "ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNkltTmhibUZ5ZVNKOS5DQU5BUlk="
"""A service-account token value planted in fixtures: it must never reach a file, a log or a report."""
CANARY_PASSWORD = "Y2FuYXJ5LWRhdGFiYXNlLXBhc3N3b3Jk"
"""An Opaque secret's value planted beside it (the collector must not even keep that secret's name)."""


def bootstrap() -> dict[str, Any]:
    """{'namespaces': List, 'serviceaccounts': List, 'rbac': List} of a fresh cluster."""
    return json.loads((asset_folder(DEMO_DATA) / "kubernetes_bootstrap.json").read_text(encoding="utf-8"))


def bootstrap_items() -> list[dict[str, Any]]:
    lists = bootstrap()
    return copy.deepcopy([*lists["namespaces"]["items"], *lists["serviceaccounts"]["items"], *lists["rbac"]["items"]])


def namespace(name: str, **annotations: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "uid": f"ns-{name}", "creationTimestamp": "2026-03-01T00:00:00Z"}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta, "status": {"phase": "Active"}}


def service_account(ns: str, name: str, *, automount: bool | None = None, **annotations: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": ns,
        "uid": f"sa-{ns}-{name}",
        "creationTimestamp": "2026-03-01T00:00:00Z",
    }
    if annotations:
        meta["annotations"] = {key.replace("__", "/").replace("_", "."): v for key, v in annotations.items()}
    item: dict[str, Any] = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
    if automount is not None:
        item["automountServiceAccountToken"] = automount
    return item


def irsa_account(ns: str, name: str, role_arn: str) -> dict[str, Any]:
    item = service_account(ns, name)
    item["metadata"]["annotations"] = {"eks.amazonaws.com/role-arn": role_arn}
    return item


def cluster_role(name: str, rules: list[dict[str, Any]], **labels: str) -> dict[str, Any]:
    return {"apiVersion": RBAC_API, "kind": "ClusterRole", "metadata": {"name": name, "labels": labels}, "rules": rules}


def role(ns: str, name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": RBAC_API, "kind": "Role", "metadata": {"name": name, "namespace": ns}, "rules": rules}


def rule(groups: list[str], resources: list[str], verbs: list[str], names: list[str] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        found["resourceNames"] = names
    return found


def sa_subject(ns: str, name: str) -> dict[str, Any]:
    return {"kind": "ServiceAccount", "name": name, "namespace": ns}


def group_subject(name: str) -> dict[str, Any]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name}


def user_subject(name: str) -> dict[str, Any]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}


def cluster_role_binding(name: str, role_name: str, *subjects: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_API,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name},
        "subjects": list(subjects),
    }


def role_binding(ns: str, name: str, ref: str, *subjects: dict[str, Any]) -> dict[str, Any]:
    """`ref` is `ClusterRole/<name>` or `Role/<name>` (a Role of the binding's namespace)."""
    kind, _, role_name = ref.partition("/")
    return {
        "apiVersion": RBAC_API,
        "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role_name},
        "subjects": list(subjects),
    }


def pod(ns: str, name: str, account: str, *, automount: bool | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": account,
        "nodeName": "node-1",
        "containers": [{"name": "app", "image": "app:1", "env": [{"name": "DB_PASSWORD", "value": CANARY_PASSWORD}]}],
    }
    if automount is not None:
        spec["automountServiceAccountToken"] = automount
    meta = {
        "name": name,
        "namespace": ns,
        "uid": f"pod-{ns}-{name}",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{name}-rs", "controller": True}],
    }
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def token_secret(ns: str, name: str, account: str, *, created: str, last_used: str | None = None) -> dict[str, Any]:
    """A legacy token secret as the API server holds it: with its token value (the canary) in `data`."""
    labels = {"kubernetes.io/legacy-token-last-used": last_used} if last_used else {}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/service-account-token",
        "metadata": {
            "name": name,
            "namespace": ns,
            "creationTimestamp": created,
            "labels": labels,
            "annotations": {
                "kubernetes.io/service-account.name": account,
                "kubernetes.io/service-account.uid": f"sa-{ns}-{account}",
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"data": {"token": CANARY_TOKEN}}),
            },
        },
        "data": {"token": CANARY_TOKEN, "ca.crt": "Y2E=", "namespace": "ZGVmYXVsdA=="},
    }


def opaque_secret(ns: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": name, "namespace": ns},
        "data": {"password": CANARY_PASSWORD},
    }


def kubectl_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}


# ---------------------------------------------------------------------------------------------- analysed

TAKEN_AT = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
FILE = Provenance("k8s:prod/kubernetes_rbac.json", "a" * 64)


def analysed(
    *added: dict[str, Any], roles: AwsRoles | None = None, issuer: str | None = None, **objects: list[dict[str, Any]]
) -> KubernetesTables:
    """The cluster = bootstrap + `added` (RBAC and service accounts by kind) + pods / token secrets."""
    lists = bootstrap()
    accounts = copy.deepcopy(lists["serviceaccounts"]["items"]) + [a for a in added if a["kind"] == "ServiceAccount"]
    rbac = copy.deepcopy(lists["rbac"]["items"]) + [a for a in added if a["kind"] != "ServiceAccount"]
    cluster = Cluster(
        "k8s:prod",
        namespaces=Objects(lists["namespaces"]["items"], FILE),
        service_accounts=Objects(accounts, FILE),
        rbac=Objects(rbac, FILE),
        pods=Objects(objects.get("pods", []), FILE),
        token_secrets=Objects(objects.get("secrets", []), FILE),
        files={"rbac": FILE, "service_accounts": FILE},
    )
    ctx = Context(TAKEN_AT, ["owner"], HumanMarker(), None)
    return cluster_tables(cluster, ClusterSettings(oidc_issuer=issuer), roles or AwsRoles({}), ctx)


def subject(found: KubernetesTables, arn: str) -> dict[str, Any]:
    (row,) = [row for row in found.subjects if row["arn"] == arn]
    return row
