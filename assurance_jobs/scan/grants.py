"""Resource- and condition-aware reading of a principal's policies, for privilege-escalation analysis.

WHY a second reading next to ``policy.effective_permissions``: admin and wildcard facts are resource-agnostic, but
escalation is about *targets* — can this principal assume THAT role, pass THAT role, write THAT user's policy? So
each statement keeps its resource patterns, and its Condition is judged once against the snapshot's ``taken_at``:

* ``never``: a clause that can never hold again — ``DateLessThan(Equals)`` on ``aws:CurrentTime`` with every
  value before the snapshot, or on ``aws:TokenIssueTime`` before the snapshot minus the longest session (36 h,
  so no live session could still carry an older token). An Allow that never holds grants nothing.
* ``always``: every clause is a ``DateGreaterThan(Equals)`` on ``aws:CurrentTime`` already in the past. A Deny
  that always holds counts as unconditioned.
* ``may``: anything else. An Allow that may hold counts and is marked conditional; a Deny that may hold does NOT
  subtract (the audit over-reports where the data cannot decide).

A grant whose resources are only AWS-managed policy ARNs (``arn:aws:iam::aws:policy/...``) is unusable for
escalation: customers cannot change those policies. Policy variables (``${aws:username}``) match anything
(over-report). An unconditioned Deny subtracts from the targets it matches; it subtracts from the *held* actions
only when it covers every resource. A permissions boundary intersects both.

Organization guardrails (service control policies of the principal's account, ``Guardrails``) intersect like a
boundary, once per level of the hierarchy: the policies attached at the root, at each OU down to the account and
at the account itself must each allow the action (every level), and an unconditioned Deny at any level wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from assurance_jobs.scan import actions
from assurance_jobs.scan.policy import effect_of, load_document, parse_statement, statements_of

NO, CONDITIONAL, YES = 0, 1, 2  # verdict of "may this principal do action X on resource Y?"
AWS_MANAGED_POLICY = re.compile(r"arn:aws[a-z-]*:iam::aws:policy/.*")
LONGEST_SESSION = timedelta(hours=36)  # GetFederationToken maximum; role sessions are at most 12 h
_VARIABLE = re.compile(r"\$\{[^}]*\}")
_TIME_KEYS = {"aws:currenttime": timedelta(0), "aws:tokenissuetime": LONGEST_SESSION}


@dataclass(frozen=True)
class Grant:
    """One statement: effect, the catalogue actions it covers, where, and whether its condition can hold."""

    effect: str
    mask: int
    resources: tuple[str, ...]  # Resource / NotResource globs, compiled when first matched (most never are)
    not_resource: bool
    all_resources: bool  # Resource "*" (or an all-wildcard ARN): what a Deny needs to subtract from held actions
    usable: bool  # some resource is not an AWS-managed policy ARN
    verdict: str  # "never" | "always" | "may" | "none" (no condition)

    def matches(self, arn: str) -> bool:
        hit = any(_glob(p).fullmatch(arn) for p in self.resources)
        return not hit if self.not_resource else hit


@lru_cache(maxsize=65536)
def _glob(pattern: str) -> re.Pattern[str]:
    text = _VARIABLE.sub("*", pattern.strip())
    return re.compile(re.escape(text).replace(r"\*", ".*").replace(r"\?", "."))


def _parse_time(value: str) -> datetime | None:
    text = value.strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), tz=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _clause_verdict(operator: str, key: str, values: list[str], taken_at: datetime | None) -> str:
    """'never' | 'always' | 'may' for one operator/key pair (values are OR'ed, as IAM does)."""
    op = operator.lower().removesuffix("ifexists")
    slack = _TIME_KEYS.get(key.lower())
    if taken_at is None or slack is None or not values:
        return "may"
    moments = [_parse_time(v) for v in values]
    if any(m is None for m in moments):
        return "may"
    if op in ("datelessthan", "datelessthanequals") and all(m < taken_at - slack for m in moments):  # type: ignore[operator]
        return "never"
    after = op in ("dategreaterthan", "dategreaterthanequals")
    if key.lower() == "aws:currenttime" and after and any(m < taken_at for m in moments):  # type: ignore[operator]
        return "always"
    return "may"


def condition_verdict(condition: Any, taken_at: datetime | None) -> str:
    """A statement's Condition judged at snapshot time: clauses are AND'ed."""
    if not condition:
        return "none"
    if not isinstance(condition, Mapping):
        return "may"
    verdicts = [
        _clause_verdict(str(op), str(key), _strings(vals), taken_at)
        for op, block in condition.items()
        if isinstance(block, Mapping)
        for key, vals in block.items()
    ]
    if "never" in verdicts:
        return "never"
    if verdicts and all(v == "always" for v in verdicts):
        return "always"
    return "may"


def _strings(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]


def parse_grant(stmt: Mapping[str, Any], taken_at: datetime | None) -> Grant:
    base = parse_statement(stmt)  # validates the shape and expands Action / NotAction to a mask
    not_resource = "NotResource" in stmt
    raw = _strings(stmt["NotResource"] if not_resource else stmt.get("Resource", "*"))
    usable = not_resource or any(not AWS_MANAGED_POLICY.fullmatch(r.strip()) for r in raw)
    return Grant(
        effect=effect_of(stmt),
        mask=base.mask,
        resources=tuple(raw),
        not_resource=not_resource,
        all_resources=base.all_resources,
        usable=usable,
        verdict=condition_verdict(stmt.get("Condition"), taken_at),
    )


@lru_cache(maxsize=32768)
def grants_of(document: str, taken_at: datetime | None) -> tuple[Grant, ...]:
    """Parse one document (cached per text: managed policies are shared). Raises PolicyParseError."""
    return tuple(parse_grant(s, taken_at) for s in statements_of(load_document(document)))


def _allows(grants: Iterable[Grant]) -> list[Grant]:
    return [g for g in grants if g.effect == "Allow" and g.verdict != "never" and g.usable]


def _hard_denies(grants: Iterable[Grant]) -> list[Grant]:
    return [g for g in grants if g.effect == "Deny" and g.verdict in ("none", "always")]


@dataclass
class _Side:
    """Allows and unconditioned denies of one side (identity policies, or the boundary)."""

    allows: list[Grant]
    denies: list[Grant]

    @classmethod
    def of(cls, grants: Iterable[Grant]) -> _Side:
        grants = list(grants)
        return cls(_allows(grants), _hard_denies(grants))

    def held(self) -> tuple[int, int]:
        """(mask allowed on some usable resource, mask allowed only conditionally), minus denies on '*'."""
        allowed = unconditional = 0
        for g in self.allows:
            allowed |= g.mask
            if g.verdict == "none":
                unconditional |= g.mask
        denied = 0
        for g in self.denies:
            if g.all_resources:
                denied |= g.mask
        allowed &= ~denied
        return allowed, allowed & ~unconditional

    def verdict(self, bit: int, arn: str) -> int:
        if any(g.mask & bit and g.matches(arn) for g in self.denies):
            return NO
        best = NO
        for g in self.allows:
            if g.mask & bit and g.matches(arn):
                best = max(best, YES if g.verdict == "none" else CONDITIONAL)
                if best == YES:
                    break
        return best


class Guardrails:
    """Organization policy levels (root, OUs, account), each of which must allow an action; a Deny anywhere wins.

    WHY levels and not one merged policy: AWS evaluates service and resource control policies per level of the
    hierarchy. An action allowed only by a policy attached at the root but by none attached at an OU below it is
    denied for every account under that OU. Built once per account and shared by all of its principals.
    """

    def __init__(self, levels: Iterable[Iterable[Grant]]) -> None:
        self.levels = tuple(_Side.of(level) for level in levels)
        allowed, conditional = -1, 0
        for level in self.levels:
            level_allowed, level_conditional = level.held()
            allowed &= level_allowed
            conditional |= level_conditional
        self.held_mask = allowed
        self.conditional_mask = conditional & allowed

    def verdict(self, action_bit: int, arn: str) -> int:
        """NO / CONDITIONAL / YES: do the guardrails let this action on this resource through (YES without levels)?"""
        best = YES
        for level in self.levels:
            best = min(best, level.verdict(action_bit, arn))
            if best == NO:
                break
        return best

    def relevant(self, action_bit: int) -> tuple:
        return tuple(
            (
                tuple(id(g) for g in level.allows if g.mask & action_bit),
                tuple(id(g) for g in level.denies if g.mask & action_bit),
            )
            for level in self.levels
        )


NO_GUARDRAILS = Guardrails(())


class Grants:
    """A principal's identity grants within its boundary and its organization's guardrails; verdicts are cached
    (shared by principals with the same documents)."""

    def __init__(
        self, identity: Iterable[Grant], boundary: Iterable[Grant] | None, guardrails: Guardrails = NO_GUARDRAILS
    ) -> None:
        self._identity = _Side.of(identity)
        self._boundary = _Side.of(boundary) if boundary is not None else None
        self._guardrails = guardrails
        self._cache: dict[tuple[int, str], int] = {}
        self._relevant: dict[int, tuple] = {}
        allowed, conditional = self._identity.held()
        if self._boundary is not None:
            bound_allowed, bound_conditional = self._boundary.held()
            allowed &= bound_allowed
            conditional = (conditional | bound_conditional) & allowed
        self.unguarded_mask = allowed  # held before the guardrails: what they block is the difference
        allowed &= guardrails.held_mask
        conditional = (conditional | guardrails.conditional_mask) & allowed
        self.held_mask, self.conditional_mask = allowed, conditional

    def holds(self, mask: int) -> bool:
        return mask != 0 and self.held_mask & mask == mask

    def may(self, action_bit: int, arn: str) -> int:
        """NO / CONDITIONAL / YES: may the principal perform this (single-bit) action on this resource ARN?"""
        key = (action_bit, arn)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._identity.verdict(action_bit, arn)
            if cached and self._boundary is not None:
                cached = min(cached, self._boundary.verdict(action_bit, arn))
            if cached:
                cached = min(cached, self._guardrails.verdict(action_bit, arn))
            self._cache[key] = cached
        return cached

    def relevant(self, action_bit: int) -> tuple:
        """The statements that can decide ``action_bit``: two principals with the same relevant statements get
        the same verdict on every resource (so verdicts over many targets are computed once per such group)."""
        key = self._relevant.get(action_bit)
        if key is None:
            sides = [self._identity] + ([self._boundary] if self._boundary is not None else [None])
            own = tuple(
                None
                if side is None
                else (
                    tuple(id(g) for g in side.allows if g.mask & action_bit),
                    tuple(id(g) for g in side.denies if g.mask & action_bit),
                )
                for side in sides
            )
            key = (*own, self._guardrails.relevant(action_bit))
            self._relevant[action_bit] = key
        return key

    def boundary_blocks(self, action_bit: int, arn: str) -> bool:
        """The permissions boundary (if any) does not allow this action on this resource."""
        return self._boundary is not None and self._boundary.verdict(action_bit, arn) == NO

    def guardrails_block(self, action_bit: int, arn: str) -> bool:
        """The organization's guardrails (if any) do not let this action on this resource through."""
        return self._guardrails.verdict(action_bit, arn) == NO

    def denied(self, action_bit: int, arn: str) -> bool:
        """An unconditioned Deny (identity policies or boundary) removes this action on this resource."""
        return any(g.mask & action_bit and g.matches(arn) for g in self._identity.denies)


def bit(action: str) -> int:
    """The catalogue bit of one literal action (0 when unknown)."""
    return actions.expand_mask(action)
