"""A cluster's snapshot files read back as plain Kubernetes objects (pure: bytes in, dicts out).

The Kubernetes sources are stored as `kubectl get -o json` Lists; the EKS ones as raw API pages. Each parser has
the one signature every parser has, `parse(snapshot, account_id, ctx)`, where `account_id` is the cluster's scope
(`k8s:<cluster>`); odd input is a warning and None, never an exception.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assurance_jobs.scan.sources.common import Context, Provenance, dicts, load_pages
from assurance_jobs.snapshot.model import Snapshot

NAMESPACES = "kubernetes_namespaces"
SERVICE_ACCOUNTS = "kubernetes_service_accounts"
TOKEN_SECRETS = "kubernetes_token_secrets"
RBAC = "kubernetes_rbac"
PODS = "kubernetes_pods"
EKS_CLUSTER = "eks_cluster"
POD_IDENTITY = "eks_pod_identity_associations"
SCOPE_PREFIX = "k8s:"


@dataclass(frozen=True)
class Objects:
    """The items of one stored file and where they came from."""

    items: list[dict[str, Any]]
    provenance: Provenance


def _list_items(snapshot: Snapshot, account_id: str, source: str, ctx: Context) -> Objects | None:
    entry = snapshot.file(account_id, source)
    if entry is None:
        return None
    try:
        document = json.loads(snapshot.contents[entry.path])
        items = document["items"]
    except (KeyError, TypeError, ValueError) as error:
        ctx.warnings.append(f"{entry.path}: unreadable Kubernetes List ({type(error).__name__})")
        return None
    return Objects(dicts(items), Provenance(entry.path, entry.sha256))


def _parser(source: str) -> Callable[[Snapshot, str, Context], Objects | None]:
    """The parser of one stored List (the one parser signature)."""

    def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> Objects | None:
        return _list_items(snapshot, account_id, source, ctx)

    parse.__name__ = f"parse_{source}"
    parse.__qualname__ = parse.__name__
    return parse


parse_namespaces = _parser(NAMESPACES)
parse_service_accounts = _parser(SERVICE_ACCOUNTS)
parse_token_secrets = _parser(TOKEN_SECRETS)
parse_rbac = _parser(RBAC)
parse_pods = _parser(PODS)


def parse_eks_cluster(snapshot: Snapshot, account_id: str, ctx: Context) -> Objects | None:
    loaded = load_pages(snapshot, account_id, EKS_CLUSTER, None, ctx.warnings)
    if loaded is None:
        return None
    pages, provenance = loaded
    return Objects([page["cluster"] for page in pages if isinstance(page.get("cluster"), dict)], provenance)


def parse_pod_identity(snapshot: Snapshot, account_id: str, ctx: Context) -> Objects | None:
    """The described associations (only DescribePodIdentityAssociation names the role)."""
    loaded = load_pages(snapshot, account_id, POD_IDENTITY, None, ctx.warnings)
    if loaded is None:
        return None
    pages, provenance = loaded
    return Objects([page["association"] for page in pages if isinstance(page.get("association"), dict)], provenance)


@dataclass(frozen=True)
class Cluster:
    """Everything one cluster's snapshot holds (a source not collected is None)."""

    scope: str
    namespaces: Objects | None = None
    service_accounts: Objects | None = None
    token_secrets: Objects | None = None
    rbac: Objects | None = None
    pods: Objects | None = None
    eks: Objects | None = None
    pod_identity: Objects | None = None
    files: dict[str, Provenance] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.scope.removeprefix(SCOPE_PREFIX)

    @property
    def description(self) -> dict[str, Any]:
        """eks:DescribeCluster's cluster (empty when not EKS or not collected)."""
        return self.eks.items[0] if self.eks and self.eks.items else {}

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [item for item in (self.rbac.items if self.rbac else []) if item.get("kind") == kind]


FIELDS = {
    NAMESPACES: "namespaces",
    SERVICE_ACCOUNTS: "service_accounts",
    TOKEN_SECRETS: "token_secrets",
    RBAC: "rbac",
    PODS: "pods",
    EKS_CLUSTER: "eks",
    POD_IDENTITY: "pod_identity",
}


def read_cluster(snapshot: Snapshot, scope: str, parsers: Mapping[str, Any], ctx: Context) -> Cluster:
    parsed = {FIELDS[name]: parse(snapshot, scope, ctx) for name, parse in parsers.items() if name in FIELDS}
    files = {name: objects.provenance for name, objects in parsed.items() if objects is not None}
    return Cluster(scope, **parsed, files=files)


def cluster_scopes(snapshot: Snapshot) -> list[str]:
    """The clusters a snapshot holds evidence of (by their statuses: an unreachable cluster has no file)."""
    scopes = {s.account_id for s in snapshot.manifest.collection_status if s.account_id.startswith(SCOPE_PREFIX)}
    return sorted(scopes)
