"""Privilege escalation as a graph over every principal of the snapshot (all accounts in it).

WHY a graph: a principal that cannot escalate by itself may assume a role that can, or pass a privileged role to
a Lambda function, or mint an access key for a user that is an administrator. An edge A → B means "A can become
or act as B":

* ``sts:AssumeRole``: B's trust admits A — explicitly (same account: no identity permission needed, AWS grants it
  through the trust alone; cross-account: A's policies must allow it), via A's account root or via ``*`` — and A's
  own policies allow ``sts:AssumeRole`` on B's ARN (an RCP of B's account may close it);
* ``iam:PassRole`` on B plus the compute-creation actions of a passrole method, when B trusts that method's service
  (passing to EC2 also needs an instance profile holding B, where the snapshot shows instance profiles);
* ``iam:CreateAccessKey`` (fewer than two keys, or also ``iam:DeleteAccessKey``), ``CreateLoginProfile`` (no
  password yet) or ``UpdateLoginProfile`` (a password) on user B (same account);
* ``iam:UpdateAssumeRolePolicy`` on role B (A rewrites B's trust to admit itself; same account);
* ``iam:AddUserToGroup`` on group G: A (a user, or a role acting as a user it can reach) joins G and acts with G's
  policies — every group of the authorization details is a node, members or not;
* an action of an existing-resource method on resource R (a Lambda function, a stack, an instance…): A gains the
  role R runs as — resources come from ``privesc_inputs.ResourceInventory``, when one was collected;
* a ``Link`` another analysis knows of (``GraphContext.links``): an AI agent runs as its execution role, a
  Kubernetes service account assumes its IRSA role, a subject that can create pods in a namespace acts as its
  service accounts. A linked node that is not an IAM principal holds no permission of its own
  (``linked_principal``): its path and its place in the blast radius come from the same search.

Sinks close the graph. ``ADMIN``: from every effective administrator (NHI-LP-001 sense) and from every
principal that can write a policy of itself or of a principal it can act as (Put/Attach*Policy, CreatePolicyVersion
/ SetDefaultPolicyVersion on a customer managed policy attached there). ``LATENT`` and ``UNDECIDABLE``: from every
node that holds a catalogue method, labelled with what each method lacks (a passable privileged role, a group to
join…) or with what the snapshot lacks to decide it ("undecidable: needs …"). A principal escalates (NHI-LP-003)
when it reaches ``ADMIN``; one that does not, but reaches ``UNDECIDABLE`` or ``LATENT``, holds latent escalation
(NHI-LP-008): the shortest path to each names the method and what is missing. A fourth sink, ``UNREADABLE``, marks
the undecidable methods whose resource listing was asked for and failed: a principal reaching it has missing
evidence (``Escalation.unreadable``: its NHI-LP-003/008 read INCOMPLETE). Fan-in is kept linear by hub nodes:
when a principal may reach *every* member of a group of targets, one edge goes to the group's hub instead of one
per member.
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
from assurance_jobs.scan.privesc_inputs import RESOURCE_KINDS, ResourceInventory, UserCredentials
from assurance_jobs.scan.privesc_org import ResourceGuards

ADMIN = ("sink", "admin")
LATENT = ("sink", "latent")  # a held method whose prerequisite is missing from the snapshot
UNDECIDABLE = ("sink", "undecidable")  # a held method the snapshot cannot decide (an input not collected)
UNREADABLE = ("sink", "unreadable")  # … because a listing it needs failed: missing evidence, not a finding
SINKS = (ADMIN, LATENT, UNDECIDABLE, UNREADABLE)
SINK_IDS = {"sink:admin": ADMIN}
"""What a `Link.target` names to end at a sink (e.g. a Kubernetes subject bound to cluster-admin)."""
# The blast-radius list names at most this many principals (first in ARN order; the count is always exact): with
# wide fan-in (a shared CreateAccessKey-on-* policy) the full lists grow with the square of the estate.
REACHABLE_LISTED = 100
ARROW = " → "
ROLE_WRITES = ("iam:PutRolePolicy", "iam:AttachRolePolicy")
USER_WRITES = ("iam:PutUserPolicy", "iam:AttachUserPolicy")
GROUP_WRITES = ("iam:PutGroupPolicy", "iam:AttachGroupPolicy")
POLICY_WRITES = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")
UNKNOWN_GROUPS = "undecidable: needs the account's IAM groups (authorization details)"
_ACCOUNT_ROOT = re.compile(r"arn:[^:]+:iam::(\d{12}):root")
_BARE_ACCOUNT = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Principal:
    """What the graph needs to know about one user, role or group (a group: what a member acts with)."""

    arn: str
    account_id: str
    kind: str  # "user" | "role" | "group"
    name: str
    grants: Grants
    admin: bool
    trust_documents: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # group ARNs (users)
    customer_policies: tuple[str, ...] = ()  # customer managed policy ARNs attached directly or through a group
    documents_missing: int = 0  # groups: attached policies not in the snapshot (what joining gives is unknown)


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
class GraphContext:
    """What the graph reads besides the principals (``privesc_inputs``; None: not collected).

    ``links``: edges other analyses know of (an AI agent runs as its role, a Kubernetes service account assumes its
    IRSA role); their non-IAM sources are principals of their own (``linked_principal``).

    ``groups``: every IAM group as a node of kind "group" (None: unknown, so joining a group is undecidable).
    ``instance_profile_roles``: the roles some instance profile holds (None: not checked). ``users``: password
    and key counts by user ARN. ``resources``: existing resources and their roles (None: existing-resource methods
    are undecidable). ``resource_guards``: the RCPs per account.
    """

    groups: tuple[Principal, ...] | None = None
    instance_profile_roles: frozenset[str] | None = None
    users: Mapping[str, UserCredentials] = field(default_factory=dict)
    resources: ResourceInventory | None = None
    resource_guards: ResourceGuards = field(default_factory=ResourceGuards)
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Admission:
    """One way a role's trust admits principals: ('arn', arn) | ('root', account) | ('any', '') | ('service', s)."""

    kind: str
    value: str
    conditional: bool


@dataclass
class Escalation:
    """A principal's result: its shortest path to an administrator, or else to a latent method; who can reach it."""

    path: str = ""
    conditional: bool = False
    latent: str = ""  # shortest paths to held methods the snapshot cannot decide | whose prerequisite is missing
    undecidable: bool = False  # some method on the way cannot be decided from the snapshot
    unreadable: bool = False  # … because a resource listing it needs failed (the verdicts are INCOMPLETE)
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


def _verdict(grants: Grants, bits: tuple[int, ...], member: str, extra: Callable[[str], int] | None) -> int:
    """NO / CONDITIONAL / YES: every action of ``bits`` on ``member`` (and the target side's ``extra`` verdict)."""
    best = YES
    for action_bit in bits:
        best = min(best, grants.may(action_bit, member))
        if best == NO:
            return NO
    return min(best, extra(member)) if extra is not None else best


class _Builder:
    """Accumulates edges; keeps the unconditional one when two edges join the same pair."""

    def __init__(self) -> None:
        self.graph = nx.DiGraph()
        self._hub_cache: dict[tuple[Any, ...], list[tuple[str, int]]] = {}

    def edge(self, source: Any, target: Any, label: str, conditional: bool, **data: Any) -> None:
        if source == target:
            return
        existing = self.graph.get_edge_data(source, target)
        if existing is None or (existing["conditional"] and not conditional):
            self.graph.add_edge(source, target, label=label, conditional=conditional, **data)

    def members(self, key: Any, members: list[str], label: Callable[[str], str], conditional: bool = False) -> None:
        """The hub node of ``key`` and its edges to each member, once."""
        if not self.graph.has_node(("hub", key)):
            for member in members:
                self.edge(("hub", key), member, label(member), conditional)

    def hub(
        self,
        principal: Principal,
        key: Any,
        members: list[str],
        bits: tuple[int, ...],
        label: str,
        hub_label: Callable[[str], str],
        conditional: tuple[bool, bool] = (False, False),
        extra: Callable[[str], int] | None = None,
    ) -> None:
        """Edges from ``principal`` to the members it may reach, kept linear in the estate.

        All members alike: one edge to the hub. Some: one edge to a sub-hub shared by every principal whose
        deciding statements are the same (same shared policies), which links to the matched members once. One:
        a direct edge. Verdicts (every action of ``bits`` on the member, and the target side's ``extra``) are
        computed once per (deciding statements, hub). ``conditional`` is (this principal's own steps, the hub's
        members) — e.g. (compute actions only conditionally allowed, trust statement conditioned)."""
        own_conditional, member_conditional = conditional
        relevance = tuple(principal.grants.relevant(b) for b in bits)
        cache_key = (bits, relevance, key)
        verdicts = self._hub_cache.get(cache_key)
        if verdicts is None:
            verdicts = [(m, v) for m in members if (v := _verdict(principal.grants, bits, m, extra)) != NO]
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
        sub = ("hub", key, bits, relevance)
        if sub not in self.graph:
            for member, verdict in verdicts:
                self.edge(sub, member, hub_label(member), member_conditional or verdict == CONDITIONAL)
        self.edge(principal.arn, sub, label, own_conditional)


@dataclass
class _Index:
    by_arn: dict[str, Principal]
    users: dict[str, list[str]]  # account -> user ARNs
    roles: dict[str, list[str]]  # account -> role ARNs
    groups: dict[str, list[str]]  # account -> group ARNs
    explicit: dict[str, list[tuple[str, bool]]]  # trusted principal ARN -> (role, conditional)
    hubs: dict[tuple, list[str]]  # ("root", role account, trusted account, cond) | ("any", cond) | ("service", …)
    context: GraphContext
    credential_targets: dict[str, list[tuple[str, tuple[int, ...], list[str]]]] = field(default_factory=dict)


def _index(principals: Iterable[Principal], taken_at: datetime | None, context: GraphContext) -> _Index:
    index = _Index(
        {}, defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list), context
    )
    for group in context.groups or ():
        index.groups[group.account_id].append(group.arn)
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


def _resource_nodes(builder: _Builder, index: _Index) -> None:
    """resource → the role it runs as (only roles the snapshot holds: a role elsewhere is a dead end)."""
    for resource in index.context.resources.resources if index.context.resources else ():
        if resource.role_arn in index.by_arn:
            via = f" via {resource.via}" if resource.via else ""
            builder.edge(resource.arn, resource.role_arn, f"runs as {short_name(resource.role_arn)}{via}", False)


def _rcp_guard(index: _Index, action_bit: int) -> Callable[[str], int]:
    """The RCP verdict of the target's account on ``action_bit`` against a role (YES where no RCP governs it)."""
    guards = index.context.resource_guards

    def verdict(role: str) -> int:
        found = guards.verdict(action_bit, role, index.by_arn[role].account_id)
        return YES if found is None else found

    return verdict


def _assume_edges(builder: _Builder, index: _Index, p: Principal) -> None:
    assume = bit("sts:AssumeRole")
    rcp = _rcp_guard(index, assume)
    for role, conditional in index.explicit.get(p.arn, []):
        target = index.by_arn[role]
        if target.account_id == p.account_id:
            # Trust naming A in A's own account grants by itself; a Deny still blocks, an SCP too, a role's
            # boundary too (a user's does not limit what a resource policy grants it).
            blocked = p.grants.denied(assume, role) or p.grants.guardrails_block(assume, role)
            blocked |= p.kind == "role" and p.grants.boundary_blocks(assume, role)
            verdict = NO if blocked else YES
        else:
            verdict = p.grants.may(assume, role)
        verdict = min(verdict, rcp(role))
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
                (assume,),
                "",
                lambda m, h=how, a=home: f"assume {short_name(m, a)} ({h})",
                (False, key[-1]),
                rcp,
            )


def _exists(index: _Index, account_id: str, kind: str | None) -> bool:
    """A resource of ``kind`` exists in the account, as far as a listing shows (no kind: True; a partial listing
    that names one proves it exists)."""
    resources = index.context.resources
    if kind is None:
        return True
    return resources is not None and resources.listed(account_id, kind) and bool(resources.of(account_id, kind))


def _passable(index: _Index, service: str, members: list[str]) -> list[str]:
    """The roles a passrole method can use: for EC2, only those an instance profile holds (where known)."""
    profiles = index.context.instance_profile_roles
    if service != privesc.EC2_SERVICE or profiles is None:
        return members
    return [role for role in members if role in profiles]


def _passrole_edges(builder: _Builder, index: _Index, p: Principal) -> None:
    passrole = bit("iam:PassRole")
    if not p.grants.held_mask & passrole:
        return
    for method in privesc.passrole_methods():
        if not p.grants.holds(method.compute_mask) or not _exists(index, p.account_id, method.needs_existing):
            continue
        conditional = bool(p.grants.conditional_mask & method.compute_mask)
        for service in method.passes_to:
            for cond in (False, True):
                members = _passable(index, service, index.hubs.get(("service", p.account_id, service, cond), []))
                if not members:
                    continue
                key = ("pass", p.account_id, service, cond, method.name)
                builder.members(key, members, lambda m, s=service: f"pass {short_name(m)} to {s}", cond)
                builder.hub(
                    p,
                    key,
                    members,
                    (passrole,),
                    method.name,
                    lambda m, s=service: f"pass {short_name(m)} to {s}",
                    (conditional, cond),
                )


def _resource_edges(builder: _Builder, index: _Index, p: Principal) -> None:
    """Existing-resource methods: an edge to each resource it may act on (which leads to the role it runs as)."""
    resources = index.context.resources
    if resources is None:
        return
    for method in privesc.resource_methods():
        kind = method.targets.kind  # type: ignore[union-attr]  # resource methods have targets
        if not p.grants.holds(method.mask) or not resources.listed(p.account_id, kind):
            continue  # a partial listing still names real resources: a path through one of them is a path
        members = [r.arn for r in resources.of(p.account_id, kind) if r.role_arn]
        if not members:
            continue
        key = ("resource", p.account_id, method.name)
        builder.members(key, members, short_name)
        conditional = bool(p.grants.conditional_mask & method.mask)
        action_bit = bit(method.targets.action)  # type: ignore[union-attr]
        builder.hub(p, key, members, (action_bit,), method.name, short_name, (conditional, False))


def _credential_targets(index: _Index, account_id: str) -> list[tuple[str, tuple[int, ...], list[str]]]:
    """(label, actions, users) per credential method in one account, from what the credential report shows
    (an unknown password or key count admits the user to every method it could be: over-report)."""
    found = index.credential_targets.get(account_id)
    if found is not None:
        return found
    users = index.users[account_id]
    state = {u: index.context.users.get(u, UserCredentials()) for u in users}
    full = {u for u in users if (state[u].access_keys or 0) >= 2}
    without = {u: state[u].password is not True for u in users}  # None (unknown) counts both ways
    with_password = {u: state[u].password is not False for u in users}
    create, delete = bit("iam:CreateAccessKey"), bit("iam:DeleteAccessKey")
    found = [
        ("iam:CreateAccessKey", (create,), [u for u in users if u not in full]),
        ("iam:CreateAccessKey+iam:DeleteAccessKey", (create, delete), [u for u in users if u in full]),
        ("iam:CreateLoginProfile", (bit("iam:CreateLoginProfile"),), [u for u in users if without[u]]),
        ("iam:UpdateLoginProfile", (bit("iam:UpdateLoginProfile"),), [u for u in users if with_password[u]]),
        ("iam:UpdateAssumeRolePolicy", (bit("iam:UpdateAssumeRolePolicy"),), index.roles[account_id]),
    ]
    index.credential_targets[account_id] = found
    return found


def _account_edges(builder: _Builder, index: _Index, p: Principal) -> None:
    """Credential creation on users and trust rewrites on roles: IAM writes stay in the principal's account."""
    for action, bits, members in _credential_targets(index, p.account_id):
        if not members or not all(p.grants.held_mask & b for b in bits):
            continue
        key = (action, p.account_id)
        builder.members(key, members, short_name)
        builder.hub(p, key, members, bits, action, short_name)


def _join_edges(builder: _Builder, index: _Index, p: Principal) -> None:
    """A user (or a group's member) adds itself to a group and acts with the group's policies."""
    join = bit(privesc.JOIN_GROUP)
    members = index.groups.get(p.account_id, [])
    if p.kind == "role" or not p.grants.held_mask & join or not members:
        return
    key = ("join", p.account_id)
    builder.members(key, members, short_name)
    builder.hub(p, key, members, (join,), privesc.JOIN_GROUP, short_name)


def _write_candidates(target: Principal) -> list[tuple[str, str]]:
    """(action, resource ARN) pairs that would change ``target``'s permissions."""
    if target.kind == "role":
        candidates = [(a, target.arn) for a in ROLE_WRITES]
    elif target.kind == "group":
        candidates = [(a, target.arn) for a in GROUP_WRITES]
    else:
        candidates = [(a, target.arn) for a in USER_WRITES]
        candidates += [(a, group) for a in GROUP_WRITES for group in target.groups]
    return candidates + [(a, arn) for a in POLICY_WRITES for arn in target.customer_policies]


def _write_verdict(writer: Principal, target: Principal) -> tuple[str, int]:
    """(action, verdict) of the best way ``writer`` can change ``target``'s permissions."""
    best = ("", NO)
    if writer.account_id != target.account_id:
        return best
    for action, arn in _write_candidates(target):
        if not writer.grants.held_mask & bit(action):
            continue
        verdict = writer.grants.may(bit(action), arn)
        if verdict > best[1]:
            best = (action, verdict)
            if verdict == YES:
                break
    return best


def _join_and_write(index: _Index, p: Principal) -> tuple[str, int]:
    """A user that may both join a group and write that group's policies: it writes itself admin."""
    join = bit(privesc.JOIN_GROUP)
    if p.kind != "user" or not p.grants.held_mask & join:
        return "", NO
    for group in index.groups.get(p.account_id, []):
        for action in GROUP_WRITES:
            verdict = min(p.grants.may(join, group), p.grants.may(bit(action), group))
            if verdict:
                return f"{privesc.JOIN_GROUP} {short_name(group)} + {action}", verdict
    return "", NO


_WRITE_MASK_ACTIONS = ROLE_WRITES + USER_WRITES + GROUP_WRITES + POLICY_WRITES


def _sink_edges(builder: _Builder, index: _Index, p: Principal) -> None:
    if p.admin:
        builder.edge(p.arn, ADMIN, "admin", False)
        return
    action, verdict = _write_verdict(p, p)
    if not verdict:
        action, verdict = _join_and_write(index, p)
    if verdict:
        builder.edge(p.arn, ADMIN, f"{action}{ARROW}admin", verdict == CONDITIONAL)


def _reason(index: _Index, method: privesc.EscalationMethod, account_id: str) -> tuple[str, tuple[Any, ...]]:
    """(why a held method leads nowhere, the sink that says so: LATENT, UNDECIDABLE, or UNREADABLE when a listing
    the method needs failed) in one account."""
    kind = method.resource_kind
    resources = index.context.resources
    failed = resources.failed(account_id, kind) if kind and resources is not None else ""
    if kind and failed:
        inventory = RESOURCE_KINDS[kind].inventory
        return f"undecidable: needs {inventory}, whose collection failed here ({failed})", UNREADABLE
    if kind and (resources is None or not resources.decided(account_id, kind)):
        return f"undecidable: needs {RESOURCE_KINDS[kind].inventory}", UNDECIDABLE
    if method.name == privesc.JOIN_GROUP and index.context.groups is None:
        return UNKNOWN_GROUPS, UNDECIDABLE
    if method.name == privesc.JOIN_GROUP and not index.groups.get(account_id):
        return "missing: a group to join (the account has none)", LATENT
    if kind and not resources.of(account_id, kind):  # type: ignore[union-attr]  # decided above
        return f"missing: {RESOURCE_KINDS[kind].label} in the account", LATENT
    return f"missing: {method.missing}", LATENT


_LatentCache = dict[tuple[int, str], dict[tuple[Any, ...], str]]


def _latent_labels(index: _Index, p: Principal, cache: _LatentCache) -> dict[tuple[Any, ...], str]:
    """Per sink (LATENT, UNDECIDABLE, UNREADABLE), the held methods it names, each with why and its source; the
    methods a failed listing leaves open are undecidable too (UNREADABLE marks only that the evidence failed)."""
    key = (p.grants.held_mask, p.account_id)
    found = cache.get(key)
    if found is None:
        texts: dict[tuple[Any, ...], list[str]] = {LATENT: [], UNDECIDABLE: [], UNREADABLE: []}
        for name in privesc.held_methods(p.grants.held_mask):
            method = privesc.by_name()[name]
            text, sink = _reason(index, method, p.account_id)
            line = f"{name} — {text} [{method.source}]"
            texts[UNDECIDABLE if sink == UNREADABLE else sink].append(line)
            texts[UNREADABLE] += [line] if sink == UNREADABLE else []
        found = cache[key] = {sink: "; ".join(lines) for sink, lines in texts.items()}
    if not p.documents_missing:
        return found
    missing_documents = "undecidable: its attached policies are not all in the snapshot"
    return {**found, UNDECIDABLE: "; ".join(filter(None, [found[UNDECIDABLE], missing_documents]))}


def _latent_edges(builder: _Builder, index: _Index, p: Principal, cache: _LatentCache) -> None:
    """p → LATENT, p → UNDECIDABLE and p → UNREADABLE, labelled with the methods it holds and what each lacks
    (read only when p reaches no administrator)."""
    if p.admin:
        return
    for sink, text in _latent_labels(index, p, cache).items():
        if text:
            builder.edge(p.arn, sink, text, False)


def _write_mask(actions: Iterable[str]) -> int:
    mask = 0
    for action in actions:
        mask |= bit(action)
    return mask


def _writer_bits(graph: nx.DiGraph, principals: list[Principal], position: dict[str, int]) -> dict[str, int]:
    """target kind -> bit set of the principals that may change such a target's permissions (or, for users, add
    them to a group), leaving out administrators and those that already write themselves admin."""
    role_mask = _write_mask(ROLE_WRITES + POLICY_WRITES)
    user_mask = _write_mask(USER_WRITES + GROUP_WRITES + POLICY_WRITES)
    join = bit(privesc.JOIN_GROUP)
    bits = {"role": 0, "user": 0}
    for p in principals:
        if p.admin or graph.has_edge(p.arn, ADMIN):
            continue
        held, own = p.grants.held_mask, 1 << position[p.arn]
        bits["role"] |= own if held & role_mask else 0
        bits["user"] |= own if held & user_mask or (p.kind == "role" and held & join) else 0
    return bits


def _reachable_writes(
    builder: _Builder,
    index: _Index,
    principals: list[Principal],
    reachers: dict[str, int],
    position: dict[str, int],
) -> None:
    """A principal that can write the policy of a principal it can act as escalates through it; a role that can
    act as a user and add users to groups acts with the groups' policies.

    ``reachers[arn]`` is the bit set (over ``position``) of principals that can reach ``arn``: intersecting it
    with the writers of that kind of target avoids one graph search per writer.
    """
    graph, join = builder.graph, bit(privesc.JOIN_GROUP)
    writer_bits = _writer_bits(graph, principals, position)
    by_position = {position[p.arn]: p for p in principals}
    joined: set[str] = set()  # roles that already joined the groups through one user they can act as
    for target in principals:
        for writer_index in _bits(reachers.get(target.arn, 0) & writer_bits.get(target.kind, 0)):
            writer = by_position[writer_index]
            joins = writer.grants.held_mask & join and writer.kind == "role" and target.kind == "user"
            if joins and writer.account_id == target.account_id and writer.arn not in joined:
                joined.add(writer.arn)
                _join_as(builder, index, writer, target)
            if graph.has_edge(writer.arn, ADMIN):
                continue
            action, verdict = _write_verdict(writer, target)
            if verdict:
                label = f"{action} on {short_name(target.arn)} (which it can act as){ARROW}admin"
                builder.edge(writer.arn, ADMIN, label, verdict == CONDITIONAL)


def _join_as(builder: _Builder, index: _Index, writer: Principal, user: Principal) -> None:
    """``writer`` (a role) adds a user it can act as to a group: it acts with the group's policies."""
    join = bit(privesc.JOIN_GROUP)
    for group in index.groups.get(writer.account_id, []):
        if verdict := writer.grants.may(join, group):
            label = f"{privesc.JOIN_GROUP} {short_name(user.arn)} (which it can act as){ARROW}{short_name(group)}"
            builder.edge(writer.arn, group, label, verdict == CONDITIONAL)


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
    view.add_edges_from((u, v) for u, v in graph.edges() if u not in admins and v not in SINKS)
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


def _node_edges(builder: _Builder, index: _Index, p: Principal, latent_cache: _LatentCache) -> None:
    """Every edge out of one principal or group node."""
    _assume_edges(builder, index, p)
    _passrole_edges(builder, index, p)
    _resource_edges(builder, index, p)
    _account_edges(builder, index, p)
    _join_edges(builder, index, p)
    _sink_edges(builder, index, p)
    _latent_edges(builder, index, p, latent_cache)


def build_graph(
    principals: Iterable[Principal], taken_at: datetime | None, context: GraphContext | None = None
) -> tuple[nx.DiGraph, dict[str, int]]:
    """The principal graph with its hubs and the two sinks, and who can reach each principal (pure: no I/O)."""
    principals = list(principals)
    context = context or GraphContext()
    # Bit positions follow ARN order, so decoding a bit set yields ARNs already sorted.
    position = {arn: i for i, arn in enumerate(sorted({p.arn for p in principals}))}
    index = _index(principals, taken_at, context)
    builder = _Builder()
    builder.graph.add_nodes_from(p.arn for p in principals)
    _hub_labels(builder, index)
    _resource_nodes(builder, index)
    latent_cache: _LatentCache = {}
    for node in (*principals, *(context.groups or ())):
        _node_edges(builder, index, node, latent_cache)
    for link in context.links:
        builder.edge(link.source, SINK_IDS.get(link.target, link.target), link.label, link.conditional)
    reachers = _reachers(builder.graph, principals, position)
    _reachable_writes(builder, index, principals, reachers, position)
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
    principals: Iterable[Principal], taken_at: datetime | None, context: GraphContext | None = None
) -> dict[str, Escalation]:
    """arn -> Escalation for every principal. Administrators get no path (NHI-LP-001 reports them)."""
    principals = list(principals)
    graph, reachers = build_graph(principals, taken_at, context)
    by_position = sorted({p.arn for p in principals})
    to_admin, to_latent, to_undecidable, to_unreadable = (_paths_to(graph, sink) for sink in SINKS)
    # Who can reach a principal, not counting routes through an administrator: every administrator (and anyone
    # who can become one, already reported as such) reaches everything, which would drown the blast radius.
    results: dict[str, Escalation] = {}
    for p in principals:
        result = Escalation()
        if not p.admin and (path := to_admin.get(p.arn)):
            result.path, result.conditional = _path_text(graph, path, p.name)
        elif not p.admin:
            # What cannot be decided first (a path may exist today), then what is missing.
            found = [to_undecidable.get(p.arn), to_latent.get(p.arn)]
            result.latent = " | ".join(_path_text(graph, path, p.name)[0] for path in found if path)
            result.undecidable = found[0] is not None
            result.unreadable = p.arn in to_unreadable
        bits = reachers[p.arn]
        result.reachable_count = bits.bit_count()
        result.reachable_by = [by_position[i] for i in itertools.islice(_bits(bits), REACHABLE_LISTED)]
        results[p.arn] = result
    return results
