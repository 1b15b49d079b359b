"""Service control policies (SCPs) and resource control policies (RCPs) as guardrails on escalation (pure).

WHY: an SCP that denies ``iam:PassRole`` in an OU removes every passrole method from every principal of every
account under it, whatever their identity policies say; an RCP that denies ``sts:AssumeRole`` on an account's roles
closes every assume edge into them. Without this an organization's preventive controls would read as open paths.

The input is what an Organizations collector naturally produces — ``organizations:DescribePolicy`` (the policy's
``Content`` JSON, name and type) with ``ListTargetsForPolicy`` (the roots, OUs and accounts it is attached to),
plus each account's place in the tree (``Member.ancestors`` of the discovery, or ``ListParents``) — so a collector
only has to copy responses into ``Organization``. Evaluation follows AWS's rules:

* every level of the hierarchy — the root, each OU down to the account, the account itself — must allow an action
  through at least one SCP attached *at that level* (inherited policies do not count as an allow at a lower level);
* an unconditioned Deny at any level wins; a Deny whose condition may hold does not subtract (over-report, the
  rule everywhere in this package) and an Allow with a condition counts, marked conditional;
* SCPs do not apply to the management account, nor to service-linked roles; RCPs do not apply to the management
  account's resources;
* a level with no policy attached cannot exist in AWS (the last SCP of a target cannot be detached): in the input
  it means incomplete evidence, and it is treated as allowing everything rather than as hiding everything.

An account whose policies could not be collected is listed in ``Organization.unreadable_accounts``; its principals
get ``organization_policies_unreadable`` = 1 and their least-privilege verdicts read INCOMPLETE (unless no SCP
binds them: the management account, service-linked roles).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from assurance_jobs.scan.grants import NO_GUARDRAILS, Guardrails, grants_of
from assurance_jobs.scan.policy import PolicyParseError, parse_policy

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"


@dataclass(frozen=True)
class PolicyTarget:
    """One attachment of a policy, as ``organizations:ListTargetsForPolicy`` lists it."""

    target_id: str  # "r-ab12" (root), "ou-ab12-cdef3456" (OU) or a 12-digit account id
    name: str = ""
    kind: str = ""  # ROOT | ORGANIZATIONAL_UNIT | ACCOUNT


@dataclass(frozen=True)
class OrganizationPolicy:
    """One SCP or RCP: ``DescribePolicy``'s ``PolicySummary`` (id, name, type) and ``Content``, and its targets."""

    policy_id: str
    name: str
    kind: str  # SERVICE_CONTROL_POLICY | RESOURCE_CONTROL_POLICY
    content: str  # the policy document, JSON text as DescribePolicy returns it
    targets: tuple[PolicyTarget, ...] = ()


@dataclass(frozen=True)
class Organization:
    """The organization's guardrails: its policies, where each account sits, and what could not be read."""

    management_account_id: str
    ancestors: Mapping[str, tuple[str, ...]]  # account id -> (root id, OU ids down to its parent)
    policies: tuple[OrganizationPolicy, ...] = ()
    unreadable_accounts: frozenset[str] = frozenset()  # SCPs/RCPs of these accounts could not be collected


@dataclass(frozen=True)
class Level:
    """The policies of one kind attached at one point of an account's path (root, OU or the account)."""

    target_id: str
    name: str
    policies: tuple[OrganizationPolicy, ...]

    @property
    def label(self) -> str:
        return f"{self.target_id} ({self.name})" if self.name and self.name != self.target_id else self.target_id


@dataclass(frozen=True)
class AccountGuardrails:
    """The SCP and RCP levels that govern one account, root first."""

    account_id: str
    scp: tuple[Level, ...] = ()
    rcp: tuple[Level, ...] = ()
    unreadable: bool = False

    @property
    def path(self) -> str:
        return " → ".join(level.label for level in self.scp or self.rcp) or self.account_id


def _readable(policy: OrganizationPolicy) -> bool:
    try:
        parse_policy(policy.content)
    except PolicyParseError:
        return False
    return True


def _levels(org: Organization, account_id: str, kind: str) -> tuple[tuple[Level, ...], bool]:
    """(levels root first, whether some attached policy was unreadable: incomplete evidence)."""
    names = {t.target_id: t.name for p in org.policies for t in p.targets}
    levels, unreadable = [], False
    for target in (*org.ancestors[account_id], account_id):
        attached = [p for p in org.policies if p.kind == kind and any(t.target_id == target for t in p.targets)]
        readable = tuple(p for p in attached if _readable(p))
        unreadable |= len(readable) < len(attached)
        if readable:  # no (readable) policy at a level: incomplete evidence, not "deny everything" (module doc)
            levels.append(Level(target, names.get(target, ""), readable))
    return tuple(levels), unreadable


def account_guardrails(org: Organization | None, account_id: str) -> AccountGuardrails:
    """The levels that govern ``account_id`` (none: no organization, not a member, or the management account)."""
    if org is None or account_id == org.management_account_id:
        return AccountGuardrails(account_id)  # no policy binds it: what could not be read does not matter
    if account_id not in org.ancestors:
        return AccountGuardrails(account_id, unreadable=account_id in org.unreadable_accounts)
    scp, scp_unreadable = _levels(org, account_id, SCP)
    rcp, rcp_unreadable = _levels(org, account_id, RCP)
    unreadable = account_id in org.unreadable_accounts or scp_unreadable or rcp_unreadable
    return AccountGuardrails(account_id, scp, rcp, unreadable)


def level_texts(levels: tuple[Level, ...]) -> tuple[tuple[str, ...], ...]:
    """The levels' documents as hashable text (cache keys of the permission and grant engines)."""
    return tuple(tuple(p.content for p in level.policies) for level in levels)


@lru_cache(maxsize=1024)
def guardrails_of(texts: tuple[tuple[str, ...], ...], taken_at: datetime | None) -> Guardrails:
    """One shared ``Guardrails`` per distinct set of levels (every principal of an account uses the same one)."""
    if not texts:
        return NO_GUARDRAILS
    return Guardrails([g for text in level for g in grants_of(text, taken_at)] for level in texts)


def _blocking(level: Level, action_bit: int, taken_at: datetime | None) -> str:
    """Why this level stops the action ('' when it lets it through somewhere)."""
    allowed = False
    for policy in level.policies:
        for grant in grants_of(policy.content, taken_at):
            hard = grant.verdict in ("none", "always")
            if grant.effect == "Deny" and hard and grant.all_resources and grant.mask & action_bit:
                return f"denied by SCP {policy.name} attached to {level.label}"
            allowed |= grant.effect == "Allow" and grant.verdict != "never" and bool(grant.mask & action_bit)
    return "" if allowed else f"allowed by no SCP attached to {level.label}"


def blocked_text(
    method_name: str, required: dict[str, int], guarded_mask: int, guard: AccountGuardrails, taken_at: datetime | None
) -> str:
    """'<method>: <action> denied by SCP <name> attached to <target>' for a method the SCPs take away."""
    for action, action_bit in required.items():
        if guarded_mask & action_bit:
            continue
        for level in guard.scp:
            if reason := _blocking(level, action_bit, taken_at):
                return f"{method_name}: {action} {reason} (path {guard.path})"
    return f"{method_name}: blocked by the SCPs of {guard.path}"


@dataclass(frozen=True)
class ResourceGuards:
    """RCP guardrails per account, applied to requests against that account's resources (assume edges)."""

    by_account: Mapping[str, Guardrails] = field(default_factory=dict)

    def verdict(self, action_bit: int, arn: str, account_id: str) -> int | None:
        guard = self.by_account.get(account_id)
        return None if guard is None else guard.verdict(action_bit, arn)
