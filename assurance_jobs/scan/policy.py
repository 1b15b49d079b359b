"""Effective permissions of one principal over ALL its identity policies (and its permissions boundary).

WHY combined: public tools judge one policy document at a time, so a dangerous combination split across two
policies, or inherited through a group, goes unreported. Here every document of a principal is reduced to action
bit masks (see ``actions``) and combined with IAM's evaluation logic, simplified for a static, resource-agnostic
audit:

* An action is *allowed* when any Allow statement names it (Action, or every catalogue action except NotAction).
  It is *unscoped* when such a statement has ``Resource: "*"`` (or an all-wildcard ARN), a service-wide ARN for
  the action's own service (``arn:aws:iam::*:*``, ``arn:aws:s3:::*``), or uses ``NotResource`` (everything except
  a few resources is treated as broad); otherwise it is *scoped* to specific resources.
* An explicit Deny subtracts only when it applies to every resource and carries no Condition. A conditioned Deny
  (e.g. "deny unless MFA") or one on specific resources does NOT subtract: we cannot tell whether it applies, and
  the conservative audit error is to over-report permissions, not to hide them. Such denies are counted.
* A conditioned Allow DOES count (for admin, service wildcards and escalation): conditions such as source IP or
  MFA narrow *when* a grant works, not *what* it grants. The actions granted only under conditions are recorded
  in ``conditional`` so a report can say so.
* A permissions boundary intersects: only actions the boundary also allows remain, and an action stays unscoped
  only when both the identity policies and the boundary grant it unscoped.
* ``effective_admin``: every *mutating* catalogue action (Write, Permissions management, Tagging) is allowed
  unscoped. Read/List gaps don't matter, so ``*:*``, ``Allow NotAction aws-portal:ViewBilling`` and a union of
  statements covering everything all count; PowerUser-style ``NotAction iam:*`` does not.
* Organization guardrails (the service control policies of the principal's account, root → OUs → account)
  intersect like a boundary, once per level; an unconditioned Deny at any level subtracts. What they leave is
  ``permitted_mask``: an administrator is then a principal allowed every mutating action *its organization permits
  in the account* (an SCP that denies ``organizations:LeaveOrganization`` does not turn administrators into
  non-administrators), and a service wildcard counts over the actions of the service the SCPs permit.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from assurance_jobs.scan import actions

SENSITIVE_SERVICES_PATH = Path(__file__).parent / "data" / "sensitive_services.yaml"
_ALL_WILDCARD_ARN = re.compile(r"arn:(\*|aws[a-z-]*)(:\*)*(/\*)?")
# Every resource of ONE service, e.g. arn:aws:s3:::* or arn:aws:iam::123456789012:* (account/region don't narrow
# a principal's reach within its own estate enough to call the grant "scoped").
_SERVICE_WIDE_ARN = re.compile(r"arn:[^:]+:([a-z0-9-]+):[^:]*:[^:]*:\*")


class PolicyParseError(ValueError):
    """A document that is not valid JSON or not a valid IAM policy shape."""


@dataclass(frozen=True)
class Statement:
    """One statement reduced to what the audit needs."""

    effect: str  # "Allow" | "Deny"
    mask: int  # catalogue actions covered (NotAction already inverted)
    unscoped_mask: int  # the part of mask granted on every resource of the action's service (or NotResource)
    all_resources: bool  # literally every resource: Resource "*" (what a Deny needs to subtract)
    conditional: bool


@dataclass(frozen=True)
class ParsedPolicy:
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class EffectivePermissions:
    """A principal's combined permissions as bit masks over the catalogue; set views are computed on demand."""

    allowed_mask: int  # any resource scope, conditional grants included
    unscoped_mask: int  # allowed on every resource
    conditional_mask: int  # allowed only through conditioned statements
    denied_mask: int  # removed by unconditioned Deny on "*"
    ignored_conditional_denies: int = 0  # conditioned / resource-specific Deny statements that did not subtract
    has_boundary: bool = False
    permitted_mask: int = -1  # what the organization's guardrails allow on every resource (-1: no guardrails)

    @property
    def allowed(self) -> frozenset[str]:
        return actions.mask_to_set(self.allowed_mask)

    @property
    def allowed_unscoped(self) -> frozenset[str]:
        return actions.mask_to_set(self.unscoped_mask)

    @property
    def allowed_scoped(self) -> frozenset[str]:
        """Allowed only on specific resources."""
        return actions.mask_to_set(self.allowed_mask & ~self.unscoped_mask)

    @property
    def conditional(self) -> frozenset[str]:
        return actions.mask_to_set(self.conditional_mask)

    def allows(self, action: str, unscoped: bool = False) -> bool:
        mask = actions.expand_mask(action)
        held = self.unscoped_mask if unscoped else self.allowed_mask
        return mask != 0 and (mask & held) == mask

    @property
    def effective_admin(self) -> bool:
        """Every mutating action the organization permits in the account is allowed on every resource."""
        needed = actions.mutating_mask() & self.permitted_mask
        return needed != 0 and (self.unscoped_mask & needed) == needed

    @property
    def sensitive_wildcard_services(self) -> tuple[str, ...]:
        """Sensitive services whose every (permitted) action is allowed on every resource (``svc:*`` on ``*``)."""
        return tuple(
            service
            for service in sensitive_services()
            if (svc := actions.service_mask(service) & self.permitted_mask) and (self.unscoped_mask & svc) == svc
        )


@cache
def sensitive_services() -> tuple[str, ...]:
    """Sorted service prefixes whose wildcard grant is a finding (data: data/sensitive_services.yaml)."""
    data = yaml.safe_load(SENSITIVE_SERVICES_PATH.read_text())
    return tuple(sorted(str(entry["service"]).lower() for entry in data["services"]))


def _as_list(value: Any, field: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise PolicyParseError(f"{field} must be a string or a list of strings")
    return items


def load_document(document: str | Mapping[str, Any]) -> dict[str, Any]:
    """Dict, JSON string or URL-encoded JSON string (as the raw IAM API returns) -> dict."""
    if isinstance(document, Mapping):
        return dict(document)
    if not isinstance(document, str):
        raise PolicyParseError(f"policy document is {type(document).__name__}, not JSON")
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = urllib.parse.unquote(text)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyParseError(f"invalid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise PolicyParseError("policy document is not a JSON object")
    return doc


def statements_of(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Statement element as a list of dicts (a single dict is allowed by IAM)."""
    raw = doc.get("Statement")
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not all(isinstance(s, dict) for s in items):
        raise PolicyParseError("Statement must be an object or a list of objects")
    return items


def effect_of(stmt: Mapping[str, Any]) -> str:
    effect = str(stmt.get("Effect", "")).capitalize()
    if effect not in ("Allow", "Deny"):
        raise PolicyParseError(f"Effect must be Allow or Deny, got {stmt.get('Effect')!r}")
    return effect


def is_conditional(stmt: Mapping[str, Any]) -> bool:
    condition = stmt.get("Condition")
    if condition is not None and not isinstance(condition, dict):
        raise PolicyParseError("Condition must be an object")
    return bool(condition)


def _is_all_resources(resource: str) -> bool:
    return resource == "*" or _ALL_WILDCARD_ARN.fullmatch(resource) is not None


def _action_mask(stmt: Mapping[str, Any]) -> int:
    if ("Action" in stmt) == ("NotAction" in stmt):
        raise PolicyParseError("a statement needs exactly one of Action / NotAction")
    if "Action" in stmt:
        patterns = _as_list(stmt["Action"], "Action")
        return _union(patterns)
    excluded = _union(_as_list(stmt["NotAction"], "NotAction"))
    return actions.catalogue().all_mask & ~excluded


def _union(patterns: Iterable[str]) -> int:
    mask = 0
    for pattern in patterns:
        mask |= actions.expand_mask(pattern)
    return mask


def _resource_scope(stmt: Mapping[str, Any]) -> tuple[int, bool]:
    """(mask of actions whose every resource is covered, literally all resources?).

    A missing Resource (invalid in IAM) is read as "*": over-report, not hide.
    """
    if "NotResource" in stmt:
        _as_list(stmt["NotResource"], "NotResource")
        return actions.catalogue().all_mask, False
    resources = [r.strip() for r in _as_list(stmt.get("Resource", "*"), "Resource")]
    if any(_is_all_resources(r) for r in resources):
        return actions.catalogue().all_mask, True
    covered = 0
    for resource in resources:
        if match := _SERVICE_WIDE_ARN.fullmatch(resource):
            covered |= actions.service_mask(match.group(1))
    return covered, False


def parse_statement(stmt: Mapping[str, Any]) -> Statement:
    mask = _action_mask(stmt)
    covered, all_resources = _resource_scope(stmt)
    return Statement(effect_of(stmt), mask, mask & covered, all_resources, is_conditional(stmt))


@lru_cache(maxsize=32768)
def _parse_text(text: str) -> ParsedPolicy:
    """Cached per document text: the same managed policy is attached to many principals."""
    return ParsedPolicy(tuple(parse_statement(s) for s in statements_of(load_document(text))))


def parse_policy(document: str | Mapping[str, Any]) -> ParsedPolicy:
    """Parse a policy document; raises PolicyParseError for anything IAM would not accept as a policy."""
    if isinstance(document, str):
        return _parse_text(document)
    return ParsedPolicy(tuple(parse_statement(s) for s in statements_of(load_document(document))))


@dataclass
class _Acc:
    allowed: int = 0
    unscoped: int = 0
    unconditional: int = 0
    denied: int = 0
    ignored_denies: int = 0

    def add(self, stmt: Statement) -> None:
        if stmt.effect == "Deny":
            if stmt.all_resources and not stmt.conditional:
                self.denied |= stmt.mask
            else:
                self.ignored_denies += 1
            return
        self.allowed |= stmt.mask
        self.unscoped |= stmt.unscoped_mask
        if not stmt.conditional:
            self.unconditional |= stmt.mask


def _accumulate(policies: Iterable[ParsedPolicy]) -> _Acc:
    acc = _Acc()
    for policy in policies:
        for stmt in policy.statements:
            acc.add(stmt)
    return acc


def _as_parsed(doc: ParsedPolicy | str | Mapping[str, Any]) -> ParsedPolicy:
    return doc if isinstance(doc, ParsedPolicy) else parse_policy(doc)


PolicyInput = ParsedPolicy | str | Mapping[str, Any]


def effective_permissions(
    identity_docs: Iterable[PolicyInput],
    boundary_doc: PolicyInput | None = None,
    guardrails: Iterable[Iterable[PolicyInput]] = (),
) -> EffectivePermissions:
    """Combine a principal's identity policies (own + groups), minus unconditioned Deny on "*", within a boundary
    and within the organization's guardrail levels (``guardrails``: per level, the policies attached there).

    Raises PolicyParseError on a malformed document: callers that must survive bad input parse first
    (``parse_policy``) and pass ParsedPolicy objects, counting the failures (see principal_permissions).
    """
    acc = _accumulate(_as_parsed(d) for d in identity_docs)
    allowed, unscoped = acc.allowed & ~acc.denied, acc.unscoped & ~acc.denied
    unconditional = acc.unconditional
    limits = [[boundary_doc]] if boundary_doc is not None else []
    permitted = -1
    for index, level in enumerate([*limits, *guardrails]):
        bound = _accumulate(_as_parsed(d) for d in level)
        allowed &= bound.allowed & ~bound.denied
        unscoped &= bound.unscoped & ~bound.denied
        unconditional &= bound.unconditional
        if index >= len(limits):
            permitted &= bound.unscoped & ~bound.denied
    return EffectivePermissions(
        allowed_mask=allowed,
        unscoped_mask=unscoped,
        conditional_mask=allowed & ~unconditional,
        denied_mask=acc.denied,
        ignored_conditional_denies=acc.ignored_denies,
        has_boundary=boundary_doc is not None,
        permitted_mask=permitted,
    )
