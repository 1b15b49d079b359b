"""Benchmark the Kubernetes analysis as the daily run executes it: effective RBAC per subject, the subjects' facts and
graph edges (`scan.kubernetes.inventory.kubernetes_inventory`, reading the cluster's stored Lists from a snapshot),
then the one escalation graph over them and the IAM roles they reach (`scan.principal_permissions.principal_facts`).

Run on demand: ``python benchmarks/bench_kubernetes.py [SERVICE_ACCOUNTS BINDINGS CLUSTER_ROLES]`` (default
20000 5000 500, the target of issue 21: <= 10 s and <= 2 GB on 2 cores).

The cluster: the bootstrap objects of a real API server, 500 namespaces holding the service accounts evenly; the
ClusterRoles drawn from rule templates (read-only most, some creating pods, reading secrets, exec, impersonating,
wildcards; four cluster-admin equivalents); 90 % of bindings are RoleBindings naming one to three accounts of their
namespace (a third of them a Role of the namespace), 10 % ClusterRoleBindings (a few to group
`system:serviceaccounts:<ns>`); one pod per ten accounts, one legacy token secret per twenty; one account in ten
annotated with an IRSA role whose trust admits it (one role in ten by a `StringLike` wildcard), two IAM
administrators those roles may pass to Lambda. Building the estate and writing the snapshot are not measured.

Prints wall and CPU time of each part, subjects, edges and paths found, and the process's peak resident memory.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from assurance_jobs.assets import DEMO_DATA, asset_folder
from assurance_jobs.collect.kubernetes import API_NAMES, kubectl_list
from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.kubernetes.inventory import ClusterSettings, kubernetes_inventory
from assurance_jobs.scan.principal_permissions import principal_facts
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob
from assurance_jobs.snapshot.store import LocalStorage, read_snapshot, write_snapshot
from assurance_jobs.sources import registry

ACCOUNT = "111122223333"
SCOPE = "k8s:bench"
ISSUER_HOST = "oidc.eks.us-east-1.amazonaws.com/id/BENCH0000000000000000000000000000"
TAKEN_AT = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
RBAC = "rbac.authorization.k8s.io/v1"
TEMPLATES: list[tuple[int, list[dict[str, Any]]]] = [
    (50, [{"apiGroups": ["", "apps"], "resources": ["pods", "deployments", "services"], "verbs": ["get", "list"]}]),
    (10, [{"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "delete"]}]),
    (8, [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}]),
    (6, [{"apiGroups": [""], "resources": ["pods/exec", "pods/attach"], "verbs": ["create"]}]),
    (5, [{"apiGroups": ["apps"], "resources": ["*"], "verbs": ["*"]}]),
    (4, [{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}]),
    (4, [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}]),
    (3, [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": ["create", "update"]}]),
    (10, [{"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ["create", "get", "list"]}]),
]


def _rules(rng: random.Random) -> list[dict[str, Any]]:
    weights = [w for w, _ in TEMPLATES]
    picked = rng.choices([rules for _, rules in TEMPLATES], weights=weights, k=rng.randint(1, 3))
    return [rule for rules in picked for rule in rules]


def _sa_ref(ns: str, name: str) -> dict[str, Any]:
    return {"kind": "ServiceAccount", "name": name, "namespace": ns}


def estate(n_accounts: int, n_bindings: int, n_roles: int, seed: int = 21) -> tuple[dict[str, list], pd.DataFrame]:
    rng = random.Random(seed)
    boot = json.loads((asset_folder(DEMO_DATA) / "kubernetes_bootstrap.json").read_text(encoding="utf-8"))
    namespaces = [f"team-{i:03d}" for i in range(500)]
    per_ns = max(1, n_accounts // len(namespaces))
    accounts: list[dict[str, Any]] = list(boot["serviceaccounts"]["items"])
    roles_iam: dict[str, str] = {}
    for ns in namespaces:
        for j in range(per_ns):
            meta: dict[str, Any] = {"name": f"app-{j:03d}", "namespace": ns, "uid": f"{ns}-{j}"}
            if rng.random() < 0.1:
                role = f"arn:aws:iam::{ACCOUNT}:role/irsa-{ns}-{j}"
                meta["annotations"] = {"eks.amazonaws.com/role-arn": role}
                subject = (
                    f"system:serviceaccount:{ns}:*" if rng.random() < 0.1 else f"system:serviceaccount:{ns}:app-{j:03d}"
                )
                roles_iam[role] = subject
            accounts.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta})
    rbac: list[dict[str, Any]] = list(boot["rbac"]["items"])
    bootstrap_roles = sum(1 for item in rbac if item["kind"] == "ClusterRole")
    custom = [f"custom-{i:03d}" for i in range(max(0, n_roles - bootstrap_roles))]
    for i, name in enumerate(custom):
        rules = [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}] if i < 4 else _rules(rng)
        rbac.append({"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": name}, "rules": rules})
    for i in range(n_bindings):
        ns = rng.choice(namespaces)
        subjects = [_sa_ref(ns, f"app-{rng.randrange(per_ns):03d}") for _ in range(rng.randint(1, 3))]
        if i % 10 == 0:
            group = {"kind": "Group", "name": f"system:serviceaccounts:{ns}"}
            ref = "cluster-admin" if i % 997 == 0 else rng.choice(custom[4:] or ["view"])
            rbac.append(
                _binding("ClusterRoleBinding", f"crb-{i}", "ClusterRole", ref, [group] if i % 50 == 0 else subjects)
            )
        elif i % 3 == 0:
            role_name = f"role-{i}"
            rbac.append(
                {
                    "apiVersion": RBAC,
                    "kind": "Role",
                    "metadata": {"name": role_name, "namespace": ns},
                    "rules": _rules(rng),
                }
            )
            rbac.append(_binding("RoleBinding", f"rb-{i}", "Role", role_name, subjects, ns))
        else:
            rbac.append(
                _binding(
                    "RoleBinding",
                    f"rb-{i}",
                    "ClusterRole",
                    rng.choice(["edit", "view", "admin", *custom[4:]]),
                    subjects,
                    ns,
                )
            )
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"p-{i}", "namespace": a["metadata"]["namespace"]},
            "spec": {"serviceAccountName": a["metadata"]["name"]},
        }
        for i, a in enumerate(accounts[::10])
    ]
    secrets = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/service-account-token",
            "metadata": {
                "name": f"t-{i}",
                "namespace": a["metadata"]["namespace"],
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "annotations": {"kubernetes.io/service-account.name": a["metadata"]["name"]},
            },
        }
        for i, a in enumerate(accounts[::20])
    ]
    lists = {
        "kubernetes_namespaces": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in namespaces
        ],
        "kubernetes_service_accounts": accounts,
        "kubernetes_rbac": rbac,
        "kubernetes_pods": pods,
        "kubernetes_token_secrets": secrets,
    }
    return lists, _iam(roles_iam)


def _binding(kind: str, name: str, ref_kind: str, ref: str, subjects: list, ns: str | None = None) -> dict[str, Any]:
    meta = {"name": name, **({"namespace": ns} if ns else {})}
    return {
        "apiVersion": RBAC,
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": ref_kind, "name": ref},
        "subjects": subjects,
    }


def _iam(roles: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    lambda_trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    identities, policies = [], []
    deploy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                    "Resource": "*",
                }
            ],
        }
    )
    read = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    )
    admin = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    for i, (arn, subject) in enumerate(sorted(roles.items())):
        operator = "StringLike" if subject.endswith("*") else "StringEquals"
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER_HOST}"},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {operator: {f"{ISSUER_HOST}:sub": subject}},
                    }
                ],
            }
        )
        identities.append((arn, trust))
        policies.append((arn, deploy if i % 25 == 0 else read, "inline"))
        policies.append((arn, trust, "trust"))
    for name in ("platform-admin", "break-glass"):
        arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        identities.append((arn, lambda_trust))
        policies += [(arn, admin, "inline"), (arn, lambda_trust, "trust")]
    frame = pd.DataFrame(
        {
            "account_id": ACCOUNT,
            "arn": [a for a, _ in identities],
            "kind": "role",
            "name": [a.rsplit("/", 1)[-1] for a, _ in identities],
            "trust_policy": [t for _, t in identities],
        }
    )
    docs = pd.DataFrame(
        [
            {
                "account_id": ACCOUNT,
                "principal_arn": a,
                "attachment": k,
                "policy_name": "p",
                "policy_arn": None,
                "via_group": None,
                "document": d,
                "parse_error": None,
            }
            for a, d, k in policies
        ]
    )
    return frame, docs


def snapshot_of(lists: dict[str, list], folder: Path) -> Any:
    blobs = [SourceBlob(SCOPE, name, kubectl_list(items)) for name, items in lists.items()]
    description = {
        "cluster": {
            "name": "bench",
            "arn": f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/bench",
            "identity": {"oidc": {"issuer": f"https://{ISSUER_HOST}"}},
        }
    }
    blobs.append(SourceBlob(SCOPE, "eks_cluster", json.dumps({"pages": [description]}).encode()))
    blobs.append(SourceBlob(SCOPE, "eks_pod_identity_associations", b'{"pages": [{"associations": []}]}'))
    statuses = [CollectionStatus(SCOPE, name, API_NAMES[name], None, "ok", None, None, 1) for name in API_NAMES]
    storage = LocalStorage(folder)
    manifest = write_snapshot(storage, date(2026, 11, 25), TAKEN_AT, blobs, statuses, [], duration_seconds=0.0)
    return read_snapshot(storage, date(2026, 11, 25), manifest.snapshot_id)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    n_accounts, n_bindings, n_roles = (int(a) for a in (sys.argv[1:4] if len(sys.argv) >= 4 else (20000, 5000, 500)))
    lists, (identities, policies) = estate(n_accounts, n_bindings, n_roles)
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = snapshot_of(lists, Path(scratch))
        print(
            f"estate: {len(lists['kubernetes_service_accounts'])} service accounts, "
            f"{sum(1 for i in lists['kubernetes_rbac'] if i['kind'].endswith('Binding'))} bindings, "
            f"{sum(1 for i in lists['kubernetes_rbac'] if i['kind'] == 'ClusterRole')} ClusterRoles, "
            f"{len(identities)} IAM roles; peak so far {_peak_mb():.0f} MB"
        )
        ctx = Context(TAKEN_AT, ["owner"], HumanMarker(), None)
        parsers = registry.parsers("kubernetes")
        kube, wall_k, cpu_k = _timed(
            lambda: kubernetes_inventory(snapshot, parsers, {SCOPE: ClusterSettings()}, identities, ctx)
        )
        facts, wall_g, cpu_g = _timed(lambda: principal_facts(policies, identities, [], TAKEN_AT, links=kube.links))
    reach = facts.linked_reach
    print(
        f"effective RBAC, facts and edges: {wall_k:.1f} s wall, {cpu_k:.1f} s CPU — {len(kube.subjects)} subjects, "
        f"{len(kube.links)} edges, {len(kube.tokens)} token secrets"
    )
    print(
        f"graph (subjects and IAM roles):  {wall_g:.1f} s wall, {cpu_g:.1f} s CPU — {len(reach)} linked nodes, "
        f"{int(reach['privesc_escalates'].sum())} with a path to an admin"
    )
    print(f"total {wall_k + wall_g:.1f} s wall; peak resident memory {_peak_mb():.0f} MB (estate included)")


if __name__ == "__main__":
    main()
