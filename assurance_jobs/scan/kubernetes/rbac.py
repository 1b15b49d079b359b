"""Effective RBAC per subject, with the semantics of the Kubernetes RBAC authorizer (pure, no I/O).

What the authorizer does, and so what this module does:
* A subject's permissions are the union of every binding that names it — directly, or through a group it is in.
  A service account `ns/name` is the user `system:serviceaccount:ns:name` and a member of `system:serviceaccounts`,
  `system:serviceaccounts:ns` and `system:authenticated`; a `User` subject with that user name binds it too. A
  ServiceAccount subject of a RoleBinding without a namespace means the binding's namespace.
* A ClusterRoleBinding grants its ClusterRole everywhere (namespaced and cluster-scoped resources, non-resource
  URLs); a RoleBinding grants its Role or ClusterRole in its own namespace only (never cluster-scoped resources).
  A binding whose role does not exist grants nothing.
* A rule allows a request when its verbs, API groups and resources match (`*` matches all; `pods` does not match
  `pods/exec`; `*/scale` matches every resource's scale) and, when it lists `resourceNames`, the object is one of
  them — which can never hold for `create` of a new object (its name is not in the URL) nor for list/watch of all.
* An aggregated ClusterRole (`aggregationRule.clusterRoleSelectors`) holds the rules of every ClusterRole whose
  labels match a selector, transitively (admin ⊇ edit ⊇ view), whatever its stored `rules` say.
There are no deny rules: everything here only adds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ALL = "*"
CLUSTER = "*"
"""The scope of a ClusterRoleBinding's grant: every namespace and the cluster-scoped resources."""
SA_PREFIX = "system:serviceaccount:"
AUTHENTICATED = "system:authenticated"
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"
BOOTSTRAP_LABEL = ("kubernetes.io/bootstrapping", "rbac-defaults")


@dataclass(frozen=True)
class Rule:
    """One PolicyRule, as sets."""

    verbs: frozenset[str]
    groups: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Rule:
        def values(key: str) -> frozenset[str]:
            found = raw.get(key) or []
            return frozenset(str(v) for v in found) if isinstance(found, list) else frozenset()

        return cls(
            values("verbs"),
            values("apiGroups"),
            values("resources"),
            values("resourceNames"),
            values("nonResourceURLs"),
        )

    def matches_resource(self, group: str, resource: str) -> bool:
        if not (ALL in self.groups or group in self.groups):
            return False
        if ALL in self.resources or resource in self.resources:
            return True
        _, slash, sub = resource.partition("/")
        return bool(slash) and f"*/{sub}" in self.resources

    def names_for(self, verb: str, group: str, resource: str) -> frozenset[str] | None:
        """None: the rule does not allow `verb`; else the names it allows it on (ALL_NAMES for any)."""
        if not (ALL in self.verbs or verb in self.verbs) or not self.matches_resource(group, resource):
            return None
        if not self.names:
            return ALL_NAMES
        if verb in ("create", "list", "watch", "deletecollection") and "/" not in resource:
            return None  # a name cannot restrict creating an object, nor listing them all
        return self.names

    @property
    def wildcard(self) -> bool:
        return ALL in self.verbs or ALL in self.resources

    def text(self) -> str:
        """How the rule reads in a report: `get,list secrets [a,b]`, `* */*`, `get /healthz`."""
        verbs = ",".join(sorted(self.verbs)) or "-"
        if self.urls:
            return f"{verbs} {','.join(sorted(self.urls))}"
        groups = sorted(g for g in self.groups if g)
        prefix = (",".join(groups) + "/") if groups else ""
        names = f" [{','.join(sorted(self.names))}]" if self.names else ""
        return f"{verbs} {prefix}{','.join(sorted(self.resources)) or '-'}{names}"


ALL_NAMES: frozenset[str] = frozenset({ALL})


def _labels(item: Mapping[str, Any]) -> dict[str, str]:
    labels = (item.get("metadata") or {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A LabelSelector: every matchLabels pair and every matchExpressions requirement holds (empty: everything)."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(str(key)) != str(value):
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = str(expression.get("key")), expression.get("operator")
        values = {str(v) for v in expression.get("values") or []}
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if (operator == "Exists" and not present) or (operator == "DoesNotExist" and present):
            return False
    return True


def cluster_role_rules(cluster_roles: Sequence[Mapping[str, Any]]) -> dict[str, tuple[Rule, ...]]:
    """Name → effective rules of every ClusterRole, aggregation resolved to a fixed point."""
    own = {
        _name(role): tuple(Rule.of(r) for r in role.get("rules") or [] if isinstance(r, dict)) for role in cluster_roles
    }
    labels = {_name(role): _labels(role) for role in cluster_roles}
    selectors = {
        _name(role): [
            s for s in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or [] if isinstance(s, dict)
        ]
        for role in cluster_roles
        if role.get("aggregationRule")
    }
    members = {
        name: [other for other in own if other != name and any(_selects(s, labels[other]) for s in chosen)]
        for name, chosen in selectors.items()
    }
    rules = {name: set(found) for name, found in own.items()}
    changed = True
    while changed:  # admin selects edit, which selects view: repeat until nothing is added
        changed = False
        for name, chosen in members.items():
            before = len(rules[name])
            for other in chosen:
                rules[name] |= rules[other]
            changed |= len(rules[name]) != before
    return {name: tuple(sorted(found, key=Rule.text)) for name, found in rules.items()}


def _name(item: Mapping[str, Any]) -> str:
    return str((item.get("metadata") or {}).get("name") or "")


def _namespace(item: Mapping[str, Any]) -> str:
    return str((item.get("metadata") or {}).get("namespace") or "")


@dataclass(frozen=True)
class Grant:
    """One binding's grant: a role's rules in a scope (a namespace, or CLUSTER)."""

    binding: str  # "ClusterRoleBinding/x" or "RoleBinding/ns/x"
    role: str  # "ClusterRole/y" or "Role/ns/y"
    scope: str
    rules: tuple[Rule, ...]
    role_found: bool
    bootstrap: bool

    @property
    def label(self) -> str:
        return f"{self.binding} → {self.role}"


@dataclass(frozen=True)
class SubjectKey:
    """`kind` is serviceaccount, user or group; `namespace` is set for service accounts only."""

    kind: str
    name: str
    namespace: str = ""

    @property
    def username(self) -> str:
        return f"{SA_PREFIX}{self.namespace}:{self.name}" if self.kind == "serviceaccount" else self.name


def subject_key(raw: Mapping[str, Any], binding_namespace: str) -> SubjectKey | None:
    kind, name = str(raw.get("kind") or ""), str(raw.get("name") or "")
    if not name:
        return None
    if kind == "ServiceAccount":
        return SubjectKey("serviceaccount", name, str(raw.get("namespace") or binding_namespace))
    if kind == "User" and name.startswith(SA_PREFIX) and name.count(":") == 3:
        namespace, _, account = name.removeprefix(SA_PREFIX).partition(":")
        return SubjectKey("serviceaccount", account, namespace)
    if kind in ("User", "Group"):
        return SubjectKey(kind.lower(), name)
    return None


@dataclass
class Bindings:
    """Every grant by the subject it names, and the referenced roles that do not exist."""

    grants: dict[SubjectKey, list[Grant]] = field(default_factory=lambda: defaultdict(list))
    missing_roles: set[str] = field(default_factory=set)


def bindings_of(rbac_items: Iterable[Mapping[str, Any]]) -> Bindings:
    """Read the four RBAC kinds (a `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -o json`)."""
    items = list(rbac_items)
    cluster_roles = cluster_role_rules([i for i in items if i.get("kind") == "ClusterRole"])
    roles = {
        (_namespace(i), _name(i)): tuple(Rule.of(r) for r in i.get("rules") or [] if isinstance(r, dict))
        for i in items
        if i.get("kind") == "Role"
    }
    found = Bindings()
    for item in items:
        kind = item.get("kind")
        if kind not in ("ClusterRoleBinding", "RoleBinding"):
            continue
        namespace = _namespace(item) if kind == "RoleBinding" else ""
        ref = item.get("roleRef") or {}
        ref_kind, ref_name = str(ref.get("kind") or ""), str(ref.get("name") or "")
        if ref_kind == "ClusterRole":
            role, rules, exists = f"ClusterRole/{ref_name}", cluster_roles.get(ref_name, ()), ref_name in cluster_roles
        else:
            role = f"Role/{namespace}/{ref_name}"
            rules, exists = roles.get((namespace, ref_name), ()), (namespace, ref_name) in roles
        if not exists:
            found.missing_roles.add(role)
        labels = _labels(item)
        grant = Grant(
            binding=f"{kind}/{namespace + '/' if namespace else ''}{_name(item)}",
            role=role,
            scope=namespace or CLUSTER,
            rules=rules if kind == "ClusterRoleBinding" else tuple(r for r in rules if not r.urls),
            role_found=exists,
            bootstrap=labels.get(BOOTSTRAP_LABEL[0]) == BOOTSTRAP_LABEL[1],
        )
        for raw in item.get("subjects") or []:
            key = subject_key(raw, namespace) if isinstance(raw, dict) else None
            if key is not None:
                found.grants[key].append(grant)
    return found


def groups_of(subject: SubjectKey) -> tuple[SubjectKey, ...]:
    """The groups the API server puts a subject in (service accounts only: users' groups are unknown here)."""
    if subject.kind != "serviceaccount":
        return (SubjectKey("group", AUTHENTICATED),) if subject.kind == "user" else ()
    return (
        SubjectKey("group", ALL_SERVICE_ACCOUNTS),
        SubjectKey("group", f"{ALL_SERVICE_ACCOUNTS}:{subject.namespace}"),
        SubjectKey("group", AUTHENTICATED),
    )


def effective_grants(subject: SubjectKey, bindings: Bindings) -> list[Grant]:
    """The subject's own grants, then those of its groups (the authorizer's union)."""
    grants = list(bindings.grants.get(subject, ()))
    for group in groups_of(subject):
        grants += bindings.grants.get(group, ())
    return grants


@dataclass(frozen=True)
class Reach:
    """Where a permission holds: namespace (or CLUSTER) → the names it covers (ALL_NAMES: any)."""

    where: Mapping[str, frozenset[str]]

    def __bool__(self) -> bool:
        return bool(self.where)

    @property
    def cluster_wide(self) -> bool:
        return CLUSTER in self.where

    def names_in(self, namespace: str) -> frozenset[str]:
        return self.where.get(CLUSTER, frozenset()) | self.where.get(namespace, frozenset())

    def covers(self, namespace: str, name: str) -> bool:
        names = self.names_in(namespace)
        return ALL in names or name in names

    def namespaces(self) -> list[str]:
        return sorted(self.where)

    def text(self) -> str:
        parts = []
        for scope in sorted(self.where, key=lambda s: (s != CLUSTER, s)):
            names = self.where[scope]
            place = "cluster-wide" if scope == CLUSTER else f"in {scope}"
            parts.append(place if ALL in names else f"{place} [{','.join(sorted(names))}]")
        return "; ".join(parts)


def reach(
    grants: Iterable[Grant], verbs: Iterable[str], group: str, resource: str, cluster_scoped: bool = False
) -> Reach:
    """Where any of `verbs` on `group/resource` is allowed. A cluster-scoped resource only through a
    ClusterRoleBinding (a RoleBinding never grants it)."""
    where: dict[str, set[str]] = defaultdict(set)
    verbs = tuple(verbs)
    for grant in grants:
        if cluster_scoped and grant.scope != CLUSTER:
            continue
        for rule in grant.rules:
            for verb in verbs:
                names = rule.names_for(verb, group, resource)
                if names is not None:
                    where[grant.scope] |= names
    return Reach({scope: frozenset(names) for scope, names in where.items()})


def is_cluster_admin(rule: Rule) -> bool:
    return ALL in rule.verbs and ALL in rule.groups and ALL in rule.resources and not rule.names
