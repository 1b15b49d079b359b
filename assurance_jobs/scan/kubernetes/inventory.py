"""The Kubernetes inventory: per cluster, the `kubernetes_subjects` and `kubernetes_tokens` rows and the
`principal_links` rows of its subjects (pure: stored objects in, rows out; ages against the snapshot's time).

Its tables are apart from `identities` on purpose: their `account_id` is the cluster's scope (`k8s:<cluster>`), so
a cluster that could not be read (a 403 on secrets, an unreachable endpoint) makes only that cluster's kubernetes
rules INCOMPLETE, and nothing a cluster says can leave an AWS account's identity rules unjudged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from assurance_jobs.scan.kubernetes import rbac
from assurance_jobs.scan.kubernetes.objects import Cluster, cluster_scopes, read_cluster
from assurance_jobs.scan.kubernetes.rbac import Bindings, SubjectKey
from assurance_jobs.scan.kubernetes.subjects import (
    ACCOUNTS,
    CHECKS,
    CLUSTER_CONTROL,
    ESCALATION,
    IMPERSONATION,
    INVALID_SINCE_LABEL,
    LAST_USED_LABEL,
    RUNNING,
    TOKENS,
    WORKLOADS,
    AwsRoles,
    ClusterIndex,
    Edge,
    Facts,
    Hub,
    HubEdge,
    account_reach,
    admin_edges,
    aws_edges,
    facts_of,
    hub_members,
    hub_namespaces,
    impersonation_edges,
    issuer_of,
    member_label,
    node_id,
    node_name,
)
from assurance_jobs.scan.sources.common import Context, Provenance
from assurance_jobs.schema import KUBERNETES_SUBJECT_COLUMNS, KUBERNETES_TOKEN_COLUMNS, PRINCIPAL_LINK_COLUMNS, UTC_TIME
from assurance_jobs.snapshot.model import Snapshot

TOKEN_KIND = "service_account_token"
BINDING_SEPARATOR = "; "
"""Between the binding labels of the `bindings` column (`RoleBinding/ci/x → ClusterRole/edit; …`)."""
TAKEOVER = ("exec", "attach", "ephemeral")


@dataclass(frozen=True)
class ClusterSettings:
    """What the configuration says about a cluster that the analysis needs."""

    privileged_namespaces: tuple[str, ...] = ("kube-system",)
    oidc_issuer: str | None = None


@dataclass
class KubernetesTables:
    subjects: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: KubernetesTables) -> None:
        self.subjects += other.subjects
        self.tokens += other.tokens
        self.links += other.links


# --------------------------------------------------------------------------------------------------- facts → row


def _joined(values: Sequence[str]) -> str:
    return "; ".join(values)


def _privileged_takeover(facts: Facts, privileged: Sequence[str]) -> list[str]:
    """Pod creation and pod entry in privileged namespaces, and nodes/proxy (node takeover)."""
    found = []
    for name in (*(f"create {resource}" for _, resource in WORKLOADS), *TAKEOVER):
        reach = facts.get(name)
        places = ["cluster-wide"] if reach.cluster_wide else [ns for ns in reach.namespaces() if ns in privileged]
        if places:
            found.append(f"{rbac_label(name)} {', '.join(f'in {p}' if p != 'cluster-wide' else p for p in places)}")
    if facts.get("nodes proxy"):
        found.append("nodes/proxy cluster-wide")
    return found


def rbac_label(check: str) -> str:
    return CHECKS[check].label


def _listed(facts: Facts, names: Sequence[str]) -> list[str]:
    return [f"{rbac_label(name)} {facts.get(name).text()}" for name in names if facts.get(name)]


def fact_columns(facts: Facts, privileged: Sequence[str]) -> dict[str, Any]:
    secrets = facts.get("secrets")
    cluster_secrets = secrets.where.get(rbac.CLUSTER, frozenset())
    takeover = _privileged_takeover(facts, privileged)
    escalation = _listed(facts, (*ESCALATION, *IMPERSONATION))
    token = _listed(facts, ("token",))
    control = _listed(facts, CLUSTER_CONTROL)
    admin = bool(facts.cluster_admin_via)
    return {
        "rbac_rules": list(facts.rules),
        "cluster_admin": admin,
        "cluster_admin_via": _joined(facts.cluster_admin_via),
        "wildcard_grants": _joined(facts.wildcards),
        "wildcard_grant_count": len(facts.wildcards),
        "secrets_cluster_wide": "get/list/watch secrets cluster-wide" if rbac.ALL in cluster_secrets else "",
        "secrets_cluster_wide_read": rbac.ALL in cluster_secrets,
        "escalation_grants": _joined(escalation),
        "escalation_grant_count": len(escalation),
        "takeover_grants": _joined(takeover),
        "takeover_grant_count": len(takeover),
        "token_create_grants": _joined(token),
        "token_create_count": len(token),
        "cluster_control_grants": _joined(control),
        "cluster_control_count": len(control),
        "privileged": admin or bool(rbac.ALL in cluster_secrets or escalation or takeover or token or control),
    }


def _owner(meta: Mapping[str, Any], namespace: Mapping[str, Any] | None, keys: Sequence[str]) -> tuple[str, str]:
    """(owner, where it was read): the account's annotation or label, else its namespace's."""
    for where, source in (("serviceaccount", meta), ("namespace", (namespace or {}).get("metadata") or {})):
        for kind in ("annotations", "labels"):
            values = source.get(kind) or {}
            for key in keys:
                if values.get(key):
                    return str(values[key]), f"{where} {kind[:-1]} {key}"
    return "", ""


# ------------------------------------------------------------------------------------------------- one cluster


@dataclass
class _Subject:
    key: SubjectKey
    facts: Facts
    direct: list[Edge]
    admin: bool


def cluster_tables(cluster: Cluster, settings: ClusterSettings, roles: AwsRoles, ctx: Context) -> KubernetesTables:
    """Subjects, token secrets and graph edges of one cluster."""
    out = KubernetesTables()
    if cluster.rbac is None and cluster.service_accounts is None:
        out.tokens = _tokens(cluster, ctx)
        return out
    bindings = rbac.bindings_of(cluster.rbac.items if cluster.rbac else [])
    index = ClusterIndex.build(cluster)
    issuer = issuer_of(cluster, settings.oidc_issuer)
    keys = sorted({*index.accounts, *bindings.grants}, key=lambda k: (k.kind, k.namespace, k.name))
    cache: dict[tuple[int, ...], Facts] = {}
    subjects: dict[SubjectKey, _Subject] = {}
    aws: dict[SubjectKey, tuple[str, str, list[str]]] = {}
    for key in keys:
        grants = rbac.effective_grants(key, bindings)
        marker = tuple(id(g) for g in grants)
        facts = cache.get(marker) or cache.setdefault(marker, facts_of(grants))
        direct = admin_edges(facts)
        admin = bool(direct)
        if key in index.accounts:
            edges, role, status, pod_roles = aws_edges(key, index.accounts[key], cluster, issuer, roles)
            direct += edges
            aws[key] = (role, status, pod_roles)
        subjects[key] = _Subject(key, facts, direct, admin)
    into, hub_links = _into_edges(cluster, subjects, index, keys)
    files = cluster.files
    for key, subject in subjects.items():
        evidence = files.get("service_accounts" if key in index.accounts else "rbac")
        for edge in subject.direct + into.get(key, []):
            target = node_id(cluster.scope, edge.into) if edge.into else edge.target
            out.links.append(_link(cluster, key, target, edge, files.get("rbac") or evidence))
        row = _subject_row(cluster, subject, index, bindings, settings, aws.get(key), evidence, ctx, roles.trust)
        out.subjects.append(row)
    out.links += hub_links
    out.tokens = _tokens(cluster, ctx, index)
    for row in out.subjects:
        row["created"] = ctx.time(row["created"], f"{row['arn']} creationTimestamp")
    return out


@dataclass
class _Reach:
    hubs: list[HubEdge]
    named: list[Edge]


def _into_edges(
    cluster: Cluster, subjects: Mapping[SubjectKey, _Subject], index: ClusterIndex, keys: Sequence[SubjectKey]
) -> tuple[dict[SubjectKey, list[Edge]], list[dict[str, Any]]]:
    """Edges into other subjects and hubs, and the hubs' own edges — kept only towards what leads somewhere (to a
    fixed point): an edge into a subject with nowhere to go changes no verdict. A cluster-admin-equivalent
    subject needs none (it is done). Subjects sharing the same grants share one computation."""
    principals = [k for k in keys if k.kind != "serviceaccount"]
    reaches: dict[int, _Reach] = {}
    for subject in subjects.values():
        marker = id(subject.facts)
        if not subject.admin and marker not in reaches:
            hubs, named = account_reach(cluster.name, subject.facts, index)
            reaches[marker] = _Reach(hubs, named + impersonation_edges(cluster.name, subject.facts, principals))
    active = {key for key, subject in subjects.items() if subject.direct}
    live: set[Hub] = set()
    changed = True
    while changed:
        live = _live_hubs(index, active)
        changed = False
        for key, subject in subjects.items():
            if key in active or subject.admin:
                continue
            found = reaches[id(subject.facts)]
            if any(h.hub in live for h in found.hubs) or any(e.into in active and e.into != key for e in found.named):
                active.add(key)
                changed = True
    kept: dict[SubjectKey, list[Edge]] = {}
    used: set[Hub] = set()
    for key, subject in subjects.items():
        if subject.admin or key not in active:
            continue
        found = reaches[id(subject.facts)]
        edges = [Edge(h.hub.node(cluster.scope), h.label) for h in found.hubs if h.hub in live]
        used |= {h.hub for h in found.hubs if h.hub in live}
        edges += [e for e in found.named if e.into in active and e.into != key]
        if edges:
            kept[key] = edges
    return kept, _hub_links(cluster, index, used, live, active)


def _live_hubs(index: ClusterIndex, active: set[SubjectKey]) -> set[Hub]:
    live = set()
    for kind in (ACCOUNTS, RUNNING, TOKENS):
        for namespace in hub_namespaces(kind, index):
            hub = Hub(kind, namespace)
            if any(member in active for member in hub_members(hub, index)):
                live.add(hub)
                live.add(Hub(kind, rbac.CLUSTER))
    return live


def _hub_links(
    cluster: Cluster, index: ClusterIndex, used: set[Hub], live: set[Hub], active: set[SubjectKey]
) -> list[dict[str, Any]]:
    """The hubs' own edges: a cluster hub to its live namespace hubs, a namespace hub to its leading members."""
    evidence = cluster.files.get("rbac")
    wanted = set(used)
    for hub in used:
        if hub.scope == rbac.CLUSTER:
            wanted |= {Hub(hub.kind, ns) for ns in hub_namespaces(hub.kind, index) if Hub(hub.kind, ns) in live}
    rows = []
    for hub in sorted(wanted, key=lambda h: (h.kind, h.scope)):
        if hub.scope == rbac.CLUSTER:
            targets = [
                (Hub(hub.kind, ns).node(cluster.scope), f"in {ns}")
                for ns in hub_namespaces(hub.kind, index)
                if Hub(hub.kind, ns) in live
            ]
        else:
            targets = [
                (node_id(cluster.scope, key), member_label(hub, cluster.name, key))
                for key in hub_members(hub, index)
                if key in active
            ]
        for target, label in targets:
            rows.append(
                {
                    "account_id": cluster.scope,
                    "source_id": hub.node(cluster.scope),
                    "source_kind": "k8s_hub",
                    "source_name": hub.name(cluster.name),
                    "target_id": target,
                    "label": label,
                    "conditional": False,
                    "source_file": evidence.source_file if evidence else None,
                    "source_sha256": evidence.source_sha256 if evidence else None,
                }
            )
    return rows


def _link(cluster: Cluster, key: SubjectKey, target: str, edge: Edge, evidence: Provenance | None) -> dict[str, Any]:
    return {
        "account_id": cluster.scope,
        "source_id": node_id(cluster.scope, key),
        "source_kind": f"k8s_{key.kind}",
        "source_name": node_name(cluster.name, key),
        "target_id": target,
        "label": edge.label,
        "conditional": edge.conditional,
        "source_file": evidence.source_file if evidence else None,
        "source_sha256": evidence.source_sha256 if evidence else None,
    }


def _subject_row(
    cluster: Cluster,
    subject: _Subject,
    index: ClusterIndex,
    bindings: Bindings,
    settings: ClusterSettings,
    aws: tuple[str, str, list[str]] | None,
    evidence: Provenance | None,
    ctx: Context,
    known_roles: Mapping[str, str],
) -> dict[str, Any]:
    key = subject.key
    account = index.accounts.get(key)
    meta = (account or {}).get("metadata") or {}
    own = bindings.grants.get(key, [])
    owner, owner_source = _owner(meta, index.namespaces.get(key.namespace), ctx.owner_tag_keys)
    platform = (
        key.name.startswith("system:") if key.kind != "serviceaccount" else bool(own) and all(g.bootstrap for g in own)
    )
    automount = (account or {}).get("automountServiceAccountToken") if account else None
    facts = fact_columns(subject.facts, settings.privileged_namespaces)
    mounting = index.pods_mounting.get(key, 0)
    role, status, pod_roles = aws or ("", "", [])
    exists = (account is not None) if key.kind == "serviceaccount" else None
    description = cluster.description
    return {
        "account_id": cluster.scope,
        "cluster": cluster.name,
        "arn": node_id(cluster.scope, key),
        "kind": key.kind,
        "namespace": key.namespace or None,
        "name": key.name,
        "exists": exists,
        "platform": platform,
        "is_default": key.kind == "serviceaccount" and key.name == "default",
        "uid": meta.get("uid"),
        "created": meta.get("creationTimestamp"),
        "owner": owner or None,
        "owner_source": owner_source or None,
        "automount": automount if isinstance(automount, bool) else None,
        "pods_using": index.pods_using.get(key, 0),
        "pods_mounting_token": mounting,
        "bindings": BINDING_SEPARATOR.join(sorted(g.label for g in own)),
        "binding_count": len(own),
        **facts,
        "automount_privileged": facts["privileged"]
        and (mounting > 0 or (account is not None and automount is not False)),
        "bound_missing": exists is False and bool(own),
        "default_bound": key.kind == "serviceaccount" and key.name == "default" and bool(own),
        "irsa_role_arn": role or None,
        "irsa_status": status or None,
        "pod_identity_roles": ", ".join(pod_roles) or None,
        "aws_roles": ", ".join(r for r in [role, *pod_roles] if r) or None,
        "aws_roles_unknown_count": sum(1 for r in [role, *pod_roles] if r and r not in known_roles),
        "aws_account_id": str(description.get("arn", "")).split(":")[4] if description.get("arn") else None,
        "cluster_arn": description.get("arn"),
        "source_file": evidence.source_file if evidence else None,
        "source_sha256": evidence.source_sha256 if evidence else None,
    }


def _tokens(cluster: Cluster, ctx: Context, index: ClusterIndex | None = None) -> list[dict[str, Any]]:
    rows = []
    provenance = cluster.token_secrets.provenance if cluster.token_secrets else None
    for secret in cluster.token_secrets.items if cluster.token_secrets else []:
        meta = secret.get("metadata") or {}
        namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
        labels = meta.get("labels") or {}
        owner = str((meta.get("annotations") or {}).get("kubernetes.io/service-account.name") or "")
        key = SubjectKey("serviceaccount", owner, namespace)
        where = f"{cluster.scope} secret {namespace}/{name}"
        created = ctx.time(meta.get("creationTimestamp"), f"{where} creationTimestamp")
        last_used = ctx.time(labels.get(LAST_USED_LABEL), f"{where} {LAST_USED_LABEL}")
        rows.append(
            {
                "account_id": cluster.scope,
                "cluster": cluster.name,
                "credential_id": f"{cluster.scope}:secret:{namespace}:{name}",
                "kind": TOKEN_KIND,
                "owner_arn": node_id(cluster.scope, key),
                "region": None,
                "namespace": namespace,
                "name": name,
                "created": created,
                "last_used": last_used,
                "invalid_since": ctx.time(labels.get(INVALID_SINCE_LABEL), f"{where} {INVALID_SINCE_LABEL}"),
                "age_days": ctx.days_since(created),
                "days_since_last_use": ctx.days_since(last_used or created),
                "never_used": last_used is None,
                "owner_exists": index is not None and key in index.accounts,
                "source_file": provenance.source_file if provenance else None,
                "source_sha256": provenance.source_sha256 if provenance else None,
            }
        )
    return rows


# ------------------------------------------------------------------------------------------------ every cluster


def frame(rows: list[dict[str, Any]], columns: Mapping[str, str], order: Sequence[str]) -> pd.DataFrame:
    ordered = sorted(rows, key=lambda row: tuple("" if row.get(k) is None else str(row[k]) for k in order))
    data = {}
    for name, dtype in columns.items():
        raw = pd.Series([row.get(name) for row in ordered], dtype=object)
        if dtype == UTC_TIME:
            data[name] = pd.to_datetime(raw, utc=True).astype(UTC_TIME)
        elif dtype == "object":
            data[name] = raw
        else:
            data[name] = raw.astype(dtype)
    return pd.DataFrame(data, columns=list(columns))


@dataclass(frozen=True)
class KubernetesInventory:
    subjects: pd.DataFrame
    tokens: pd.DataFrame
    links: pd.DataFrame


def kubernetes_inventory(
    snapshot: Snapshot,
    parsers: Mapping[str, Any],
    settings: Mapping[str, ClusterSettings],
    identities: pd.DataFrame,
    ctx: Context,
) -> KubernetesInventory:
    """Every cluster of the snapshot. `settings`: cluster scope → its settings; `identities` gives the IAM roles'
    trust policies the IRSA and Pod Identity edges are judged by."""
    roles = AwsRoles(_trust_by_role(identities))
    tables = KubernetesTables()
    for scope in cluster_scopes(snapshot):
        cluster = read_cluster(snapshot, scope, parsers, ctx)
        tables.extend(cluster_tables(cluster, settings.get(scope, ClusterSettings()), roles, ctx))
    return KubernetesInventory(
        frame(tables.subjects, KUBERNETES_SUBJECT_COLUMNS, ("account_id", "arn")),
        frame(tables.tokens, KUBERNETES_TOKEN_COLUMNS, ("account_id", "credential_id")),
        frame(tables.links, PRINCIPAL_LINK_COLUMNS, ("account_id", "source_id", "target_id")),
    )


def _trust_by_role(identities: pd.DataFrame) -> dict[str, str]:
    if identities.empty or "trust_policy" not in identities.columns:
        return {}
    roles = identities[identities["kind"] == "role"]
    return {
        str(arn): str(doc)
        for arn, doc in zip(roles["arn"].tolist(), roles["trust_policy"].tolist(), strict=True)
        if isinstance(doc, str) and doc
    }


REACH_COLUMNS = ("privesc_escalates", "privesc_path", "privesc_conditional")


def with_reach(subjects: pd.DataFrame, linked_reach: pd.DataFrame) -> pd.DataFrame:
    """Subjects with the principal graph's verdict on their node (`linked_reach`); a subject with no edge of its
    own is no node of the graph and reaches nothing (escalates False, empty path)."""
    out = subjects.copy()
    found = {str(row.node_id): row for row in linked_reach.itertuples(index=False)}
    rows = [found.get(str(arn)) for arn in out["arn"]]
    out["privesc_escalates"] = pd.Series([bool(r.privesc_escalates) if r else False for r in rows], index=out.index)
    out["privesc_path"] = pd.Series(
        [str(r.privesc_path or "") if r else "" for r in rows], index=out.index, dtype="str"
    )
    out["privesc_conditional"] = pd.Series([bool(r.privesc_conditional) if r else False for r in rows], index=out.index)
    return out


def cluster_settings(clusters: Sequence[Any]) -> dict[str, ClusterSettings]:
    """Scope → settings, from the configuration's `clusters:` entries."""
    return {
        cluster.scope: ClusterSettings(tuple(cluster.privileged_namespaces), cluster.oidc_issuer)
        for cluster in clusters
    }
