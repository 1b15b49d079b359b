"""Privilege escalation as a graph over every principal of the snapshot (all accounts in it).

WHY a graph: a principal that cannot escalate by itself may assume a role that can, or pass a privileged role to
a Lambda function, or mint an access key for a user that is an administrator. An edge A → B means "A can become
or act as B":

* ``sts:AssumeRole``: B's trust admits A — explicitly (same account: no identity permission needed, AWS grants it
  through the trust alone; cross-account: A's policies must allow it), via A's account root or via ``*`` — and A's
  own policies allow ``sts:AssumeRole`` on B's ARN;
* ``iam:PassRole`` on B plus the compute-creation actions of a passrole method, when B trusts that method's service;
* ``iam:CreateAccessKey`` / ``CreateLoginProfile`` / ``UpdateLoginProfile`` on user B (same account);
* ``iam:UpdateAssumeRolePolicy`` on role B (A rewrites B's trust to admit itself; same account).

Other analyses bring nodes that are not IAM principals through ``Link`` edges: an AI agent runs as its execution
role, a Kubernetes service account assumes its IRSA role, a subject that can create pods in a namespace acts as
every service account there. Such a node is a principal with no IAM permission of its own (``linked_principal``);
what it can become comes from its links, so its path and the blast radius of what it reaches come from the same
search.

Two sinks close the graph: ``ADMIN`` (from every effective administrator, NHI-LP-001 sense, and from every principal
that can write a policy of itself or of a principal it can act as: Put/Attach*Policy, CreatePolicyVersion /
SetDefaultPolicyVersion on a customer managed policy attached there) and ``ESCALATION`` (from every principal
holding a method whose targets the snapshot cannot show, see ``privesc``). A principal escalates when it reaches
either sink in any number of hops; one reverse breadth-first search per sink gives every principal its shortest
path. Fan-in is kept linear by hub nodes: when a principal may assume *every* role of a group (roles that trust
its account root, or ``*``, or a service), one edge goes to the group's hub instead of one per role.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import networkx as nx

from assurance_jobs.scan import privesc
from assurance_jobs.scan.grants import CONDITIONAL, NO, YES, Grants, bit, condition_verdict
from assurance_jobs.scan.policy import PolicyParseError, effect_of, load_document, statements_of

ADMIN = ("sink", "admin")
# The blast-radius list names at most this many principals (first in ARN order; the count is always exact): with
# wide fan-in (a shared CreateAccessKey-on-* policy) the full lists grow with the square of the estate.
REACHABLE_LISTED = 100
ESCALATION = ("sink", "escalation")
SINK_IDS = {"sink:admin": ADMIN, "sink:escalation": ESCALATION}
"""What a `Link.target` names to end at a sink (e.g. a Kubernetes subject bound to cluster-admin)."""
ARROW = " → "
CREDENTIAL_ACTIONS = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")
ROLE_WRITES = ("iam:PutRolePolicy", "iam:AttachRolePolicy")
USER_WRITES = ("iam:PutUserPolicy", "iam:AttachUserPolicy")
GROUP_WRITES = ("iam:PutGroupPolicy", "iam:AttachGroupPolicy")
POLICY_WRITES = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")
_ACCOUNT_ROOT = re.compile(r"arn:[^:]+:iam::(\d{12}):root")
_BARE_ACCOUNT = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Principal:
    """What the graph needs to know about one user or role."""

    arn: str
    account_id: str
    kind: str  # "user" | "role"
    name: str
    grants: Grants
    admin: bool
    trust_documents: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    customer_policies: tuple[str, ...] = ()  # customer managed policy ARNs attached directly or through a group


@dataclass(frozen=True)
class Link:
    """`source` can become or act as `target` (a principal's id, or a key of `SINK_IDS`).

    `label` is the path step's text and names what is reached, as the graph's own steps do ("runs as
    role/agent-exec", "IRSA web identity → role/ci-deployer")."""

    source: str
    target: str
    label: str
    conditional: bool = False


def linked_principal(node_id: str, account_id: str, kind: str, name: str) -> Principal:
    """A node another analysis brings in (an AI agent, a Kubernetes subject): no IAM permission of its own."""
    return Principal(node_id, account_id, kind, name, Grants((), None), admin=False)


@dataclass(frozen=True)
class Admission:
    """One way a role's trust admits principals: ('arn', arn) | ('root', account) | ('any', '') | ('service', s)."""

    kind: str
    value: str
    conditional: bool


@dataclass
class Escalation:
    """A principal's result: shortest path text, whether any step is conditional, who can reach it."""

    path: str = ""
    conditional: bool = False
    reaches: str = ""  # "admin" | "escalation" | ""
    reachable_by: list[str] = field(default_factory=list)  # sorted; at most REACHABLE_LISTED of them
    reachable_count: int = 0  # exact


def short_name(arn: str, account_id: str | None = None) -> str:
    """'arn:aws:iam::1:role/x' -> 'role/x' (prefixed by the account when it differs from ``account_id``)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return arn
    resource = parts[5]
    return resource if account_id in (None, parts[4]) else f"{parts[4]}:{resource}"


def _strings(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]


def _assume_allowed(stmt: Mapping[str, Any]) -> bool:
    """Does an Allow trust statement cover sts:AssumeRole (Action globs or NotAction)?"""

    def hits(patterns: list[str]) -> bool:
        return any(
            re.fullmatch(re.escape(p.lower()).replace(r"\*", ".*").replace(r"\?", "."), "sts:assumerole")
            for p in patterns
        )

    if "NotAction" in stmt:
        return not hits(_strings(stmt["NotAction"]))
    return hits(_strings(stmt.get("Action")))


def admissions(trust_document: str, taken_at: datetime | None) -> list[Admission]:
    """Who a trust policy admits to sts:AssumeRole. Deny statements are ignored (over-report); a statement whose
    condition can never hold admits nobody. Raises PolicyParseError on a malformed document."""
    found = []
    for stmt in statements_of(load_document(trust_document)):
        verdict = condition_verdict(stmt.get("Condition"), taken_at)
        if effect_of(stmt) != "Allow" or verdict == "never" or not _assume_allowed(stmt):
            continue
        conditional = verdict == "may"
        raw = {"AWS": ["*"]} if "NotPrincipal" in stmt or stmt.get("Principal") == "*" else stmt.get("Principal")
        if not isinstance(raw, Mapping):
            continue
        for aws in _strings(raw.get("AWS")):
            found.append(_aws_admission(aws.strip(), conditional))
        found += [Admission("service", s.strip().lower(), conditional) for s in _strings(raw.get("Service"))]
    return found


def _aws_admission(principal: str, conditional: bool) -> Admission:
    if principal == "*":
        return Admission("any", "", conditional)
    if _BARE_ACCOUNT.fullmatch(principal):
        return Admission("root", principal, conditional)
    if match := _ACCOUNT_ROOT.fullmatch(principal):
        return Admission("root", match.group(1), conditional)
    return Admission("arn", principal, conditional)


class _Builder:
    """Accumulates edges; keeps the unconditional one when two edges join the same pair."""

    def __init__(self) -> None:
        self.graph = nx.DiGraph()
        self._hub_cache: dict[tuple[int, tuple, Any], list[tuple[str, int]]] = {}

    def edge(self, source: Any, target: Any, label: str, conditional: bool) -> None:
        if source == target:
            return
        existing = self.graph.get_edge_data(source, target)
        if existing is None or (existing["conditional"] and not conditional):
            self.graph.add_edge(source, target, label=label, conditional=conditional)

    def hub(
        self,
        principal: Principal,
        key: Any,
        members: list[str],
        action_bit: int,
        label: str,
        hub_label: Callable[[str], str],
        conditional: tuple[bool, bool] = (False, False),
    ) -> None:
        """Edges from ``principal`` to the members it may reach, kept linear in the estate.

        All members alike: one edge to the hub. Some: one edge to a sub-hub shared by every principal whose
        deciding statements are the same (same shared policies), which links to the matched members once. One:
        a direct edge. Verdicts are computed once per (deciding statements, hub). ``conditional`` is (this
        principal's own steps, the hub's members) — e.g. (compute actions only conditionally allowed, trust
        statement conditioned)."""
        own_conditional, member_conditional = conditional
        relevance = principal.grants.relevant(action_bit)
        cache_key = (action_bit, relevance, key)
        verdicts = self._hub_cache.get(cache_key)
        if verdicts is None:
            verdicts = [(m, v) for m in members if (v := principal.grants.may(action_bit, m)) != NO]
            self._hub_cache[cache_key] = verdicts
        if not verdicts:
            return
        if len(verdicts) == 1:
            member, verdict = verdicts[0]
            text = f"{label}{ARROW}{hub_label(member)}" if label else hub_label(member)
            self.edge(principal.arn, member, text, own_conditional or member_conditional or verdict == CONDITIONAL)
            return
        kinds = {v for _, v in verdicts}
        if len(verdicts) == len(members) and len(kinds) == 1:
            self.edge(principal.arn, ("hub", key), label, own_conditional or kinds == {CONDITIONAL})
            return
        sub = ("hub", key, action_bit, relevance)
        if sub not in self.graph:
            for member, verdict in verdicts:
                self.edge(sub, member, hub_label(member), member_conditional or verdict == CONDITIONAL)
        self.edge(principal.arn, sub, label, own_conditional)


@dataclass
class _Index:
    by_arn: dict[str, Principal]
    users: dict[str, list[str]]  # account -> user ARNs
    roles: dict[str, list[str]]  # account -> role ARNs
    explicit: dict[str, list[tuple[str, bool]]]  # trusted principal ARN -> (role, conditional)
    hubs: dict[tuple, list[str]]  # ("root", role account, trusted account, cond) | ("any", cond) | ("service", …)


def _index(principals: Iterable[Principal], taken_at: datetime | None) -> _Index:
    index = _Index({}, defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list))
    for p in principals:
        index.by_arn[p.arn] = p
        (index.users if p.kind == "user" else index.roles)[p.account_id].append(p.arn)
        for document in p.trust_documents:
            try:
                found = admissions(document, taken_at)
            except PolicyParseError:
                continue  # counted as a parse error by the trust facts
            for a in dict.fromkeys(found):
                if a.kind == "arn":
                    index.explicit[a.value].append((p.arn, a.conditional))
                elif a.kind == "root":
                    index.hubs[("root", p.account_id, a.value, a.conditional)].append(p.arn)
                elif a.kind == "any":
                    index.hubs[("any", a.conditional)].append(p.arn)
                else:
                    index.hubs[("service", p.account_id, a.value, a.conditional)].append(p.arn)
    return index


def _hub_labels(builder: _Builder, index: _Index) -> None:
    """hub → member edges, labelled with how the member is reached."""
    for key, members in index.hubs.items():
        if key[0] == "service":
            continue  # passrole hubs are per method, added where used
        how = "trusts account root" if key[0] == "root" else "trusts *"
        for role in members:
            builder.edge(("hub", key), role, f"assume {short_name(role)} ({how})", key[-1])


def _assume_edges(builder: _Builder, index: _Index, p: Principal) -> None:
    assume = bit("sts:AssumeRole")
    for role, conditional in index.explicit.get(p.arn, []):
        target = index.by_arn[role]
        if target.account_id == p.account_id:
            # Trust naming A in A's own account grants by itself; a Deny still blocks, and a role's boundary too.
            blocked = p.grants.denied(assume, role) or (p.kind == "role" and p.grants.boundary_blocks(assume, role))
            verdict = NO if blocked else YES
        else:
            verdict = p.grants.may(assume, role)
        if verdict:
            label = f"assume {short_name(role, p.account_id)} (trusts {short_name(p.arn, target.account_id)})"
            builder.edge(p.arn, role, label, conditional or verdict == CONDITIONAL)
    if not p.grants.held_mask & assume:
        return
    for key, members in index.hubs.items():
        if (key[0] == "root" and key[2] == p.account_id) or key[0] == "any":
            # Labels name the role relative to the caller's account; roles trusting "*" may be anywhere: in full.
            how, home = ("trusts account root", p.account_id) if key[0] == "root" else ("trusts *", "")
            builder.hub(
                p,
                key,
                members,
                assume,
                "",
                lambda m, h=how, a=home: f"assume {short_name(m, a)} ({h})",
                (False, key[-1]),
            )


def _passrole_edges(builder: _Builder, index: _Index, p: Principal) -> None:
    passrole = bit("iam:PassRole")
    if not p.grants.held_mask & passrole:
        return
    for method in privesc.passrole_methods():
        if not p.grants.holds(method.compute_mask):
            continue
        conditional = bool(p.grants.conditional_mask & method.compute_mask)
        for service in method.passes_to:
            for cond in (False, True):
                members = index.hubs.get(("service", p.account_id, service, cond))
                if not members:
                    continue
                key = ("pass", p.account_id, service, cond, method.name)
                if not builder.graph.has_node(("hub", key)):
                    for role in members:
                        builder.edge(("hub", key), role, f"pass {short_name(role)} to {service}", cond)
                builder.hub(
                    p,
                    key,
                    members,
                    passrole,
                    method.name,
                    lambda m, s=service: f"pass {short_name(m)} to {s}",
                    (conditional, cond),
                )


def _account_edges(builder: _Builder, index: _Index, p: Principal) -> None:
    """Credential creation on users and trust rewrites on roles: IAM writes stay in the principal's account."""
    targets = [(a, index.users[p.account_id]) for a in CREDENTIAL_ACTIONS]
    targets.append(("iam:UpdateAssumeRolePolicy", index.roles[p.account_id]))
    for action, members in targets:
        action_bit = bit(action)
        if not p.grants.held_mask & action_bit or not members:
            continue
        key = (action, p.account_id)
        if not builder.graph.has_node(("hub", key)):
            for member in members:
                builder.edge(("hub", key), member, short_name(member), False)
        builder.hub(
            p,
            key,
            members,
            action_bit,
            action,
            short_name,
        )


def _write_verdict(writer: Principal, target: Principal) -> tuple[str, int]:
    """(action, verdict) of the best way ``writer`` can change ``target``'s permissions."""
    candidates = [(a, target.arn) for a in (ROLE_WRITES if target.kind == "role" else USER_WRITES)]
    if target.kind == "user":
        group_arn = f"arn:aws:iam::{target.account_id}:group/"
        candidates += [(a, group_arn + g) for a in GROUP_WRITES for g in target.groups]
    candidates += [(a, arn) for a in POLICY_WRITES for arn in target.customer_policies]
    best = ("", NO)
    if writer.account_id != target.account_id:
        return best
    for action, arn in candidates:
        verdict = writer.grants.may(bit(action), arn)
        if verdict > best[1]:
            best = (action, verdict)
            if verdict == YES:
                break
    return best


_WRITE_MASK_ACTIONS = ROLE_WRITES + USER_WRITES + GROUP_WRITES + POLICY_WRITES


def _sink_edges(builder: _Builder, p: Principal) -> None:
    if p.admin:
        builder.edge(p.arn, ADMIN, "admin", False)
        return
    action, verdict = _write_verdict(p, p)
    if verdict:
        builder.edge(p.arn, ADMIN, f"{action}{ARROW}admin", verdict == CONDITIONAL)
    undecidable = [m for m in privesc.held_methods(p.grants.held_mask) if m in privesc.undecidable_names()]
    if undecidable:
        conditional = all(p.grants.conditional_mask & m.mask for m in privesc.methods() if m.name in undecidable)
        builder.edge(p.arn, ESCALATION, f"{', '.join(undecidable)} (targets not in snapshot)", conditional)


def _write_mask() -> int:
    mask = 0
    for action in _WRITE_MASK_ACTIONS:
        mask |= bit(action)
    return mask


def _reachable_writes(
    builder: _Builder, principals: list[Principal], reachers: dict[str, int], position: dict[str, int]
) -> None:
    """A principal that can write the policy of a principal it can act as escalates through it.

    ``reachers[arn]`` is the bit set (over ``position``) of principals that can reach ``arn``: intersecting it
    with the writers avoids one graph search per writer.
    """
    graph, write_mask = builder.graph, _write_mask()
    writers = [p for p in principals if not p.admin and p.grants.held_mask & write_mask]
    writer_bits = 0
    for p in writers:
        writer_bits |= 1 << position[p.arn]
    if not writer_bits:
        return
    by_position = {position[p.arn]: p for p in writers}
    for target in principals:
        candidates = reachers.get(target.arn, 0) & writer_bits
        for index in _bits(candidates):
            writer = by_position[index]
            if graph.has_edge(writer.arn, ADMIN):
                continue
            action, verdict = _write_verdict(writer, target)
            if verdict:
                label = f"{action} on {short_name(target.arn)} (which it can act as){ARROW}admin"
                builder.edge(writer.arn, ADMIN, label, verdict == CONDITIONAL)


def _bits(value: int) -> Iterable[int]:
    """Indices of the set bits of ``value``, lowest first (scanning its binary text: linear, in C)."""
    text = bin(value)[:1:-1]
    index = text.find("1")
    while index != -1:
        yield index
        index = text.find("1", index + 1)


def _reachers(graph: nx.DiGraph, principals: list[Principal], position: dict[str, int]) -> dict[str, int]:
    """arn -> bit set of the principals that can reach it, not through an administrator (one pass over the
    condensation DAG in topological order, OR-ing predecessors' sets: linear in the graph, not quadratic)."""
    admins = {p.arn for p in principals if p.admin}
    view = nx.DiGraph()
    view.add_nodes_from(position)
    view.add_edges_from((u, v) for u, v in graph.edges() if u not in admins and v != ADMIN and v != ESCALATION)
    dag = nx.condensation(view)
    own: dict[int, int] = {}
    for component, data in dag.nodes(data=True):
        bits = 0
        for member in data["members"]:
            if member in position:
                bits |= 1 << position[member]
        own[component] = bits
    reach: dict[int, int] = {}
    for component in nx.topological_sort(dag):
        bits = own[component] if len(dag.nodes[component]["members"]) > 1 else 0
        for parent in dag.predecessors(component):
            bits |= reach[parent] | own[parent]
        reach[component] = bits
    mapping = dag.graph["mapping"]
    return {p.arn: reach[mapping[p.arn]] & ~(1 << position[p.arn]) for p in principals}


def _link_edges(builder: _Builder, links: Iterable[Link]) -> None:
    for link in links:
        builder.edge(link.source, SINK_IDS.get(link.target, link.target), link.label, link.conditional)


def build_graph(
    principals: Iterable[Principal], taken_at: datetime | None, links: Iterable[Link] = ()
) -> tuple[nx.DiGraph, dict[str, int]]:
    """The principal graph with its hubs, the links other analyses know of and the two sinks, and who can reach
    each principal (pure: no I/O)."""
    principals = list(principals)
    # Bit positions follow ARN order, so decoding a bit set yields ARNs already sorted.
    position = {arn: i for i, arn in enumerate(sorted({p.arn for p in principals}))}
    index = _index(principals, taken_at)
    builder = _Builder()
    builder.graph.add_nodes_from(p.arn for p in principals)
    _hub_labels(builder, index)
    for p in principals:
        _assume_edges(builder, index, p)
        _passrole_edges(builder, index, p)
        _account_edges(builder, index, p)
        _sink_edges(builder, p)
    _link_edges(builder, links)
    reachers = _reachers(builder.graph, principals, position)
    _reachable_writes(builder, principals, reachers, position)
    return builder.graph, reachers


def _path_text(graph: nx.DiGraph, path: list[Any], name: str) -> tuple[str, bool]:
    steps, conditional = [name], False
    for source, target in itertools.pairwise(path):
        data = graph.edges[source, target]
        conditional |= data["conditional"]
        if data["label"]:
            steps.append(data["label"] + (" (conditional)" if data["conditional"] else ""))
        elif data["conditional"] and len(steps) > 1:
            steps[-1] += " (conditional)"
    return ARROW.join(steps), conditional


def _paths_to(graph: nx.DiGraph, sink: Any) -> dict[Any, list[Any]]:
    """node -> shortest path node … sink (one breadth-first search over the reversed graph)."""
    if sink not in graph:
        return {}
    return {node: path[::-1] for node, path in nx.single_source_shortest_path(graph.reverse(copy=False), sink).items()}


def escalations(
    principals: Iterable[Principal], taken_at: datetime | None, links: Iterable[Link] = ()
) -> dict[str, Escalation]:
    """arn -> Escalation for every principal (linked ones included). Administrators get no path (NHI-LP-001
    reports them)."""
    principals = list(principals)
    graph, reachers = build_graph(principals, taken_at, links)
    by_position = sorted({p.arn for p in principals})
    to_admin, to_escalation = _paths_to(graph, ADMIN), _paths_to(graph, ESCALATION)
    # Who can reach a principal, not counting routes through an administrator: every administrator (and anyone
    # who can become one, already reported as such) reaches everything, which would drown the blast radius.
    results: dict[str, Escalation] = {}
    for p in principals:
        result = Escalation()
        path = None if p.admin else to_admin.get(p.arn) or to_escalation.get(p.arn)
        if path:
            result.path, result.conditional = _path_text(graph, path, p.name)
            result.reaches = "admin" if path[-1] == ADMIN else "escalation"
        bits = reachers[p.arn]
        result.reachable_count = bits.bit_count()
        result.reachable_by = [by_position[i] for i in itertools.islice(_bits(bits), REACHABLE_LISTED)]
        results[p.arn] = result
    return results
