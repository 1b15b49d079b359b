"""Facts about a role's trust policy: who can assume it, and under which guard conditions.

WHY these facts: a trust policy is the front door of a non-human identity. Open to any principal without a
condition (NHI-LP-004), trusted by a third-party account without an ExternalId (confused deputy, NHI-LP-005), or
trusted by an OIDC provider without a ``sub`` condition (any GitHub repository can assume it, NHI-LP-006).

Only Allow statements are read; Deny statements in trust policies are rare and are ignored (the audit
over-reports rather than hides). ``NotPrincipal`` in an Allow is treated as open to everyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assurance_jobs.scan.policy import PolicyParseError, effect_of, load_document, statements_of

ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity")
WEB_IDENTITY = "sts:assumerolewithwebidentity"
_ACCOUNT_IN_ARN = re.compile(r"arn:[^:]+:(?:iam|sts)::(\d{12}):")
_BARE_ACCOUNT = re.compile(r"\d{12}")
# Positive string operators constrain a key; negations (StringNotEquals...) and Null do not.
_CONSTRAINING_OP = re.compile(r"(for(any|all)values:)?string(equals|equalsignorecase|like)(ifexists)?")
# A StringLike value is unconstrained when the text before its first wildcard is only "word:" prefixes,
# e.g. "*", "repo:*", "system:serviceaccount:*" (but not "repo:my-org/*").
_UNCONSTRAINED_LIKE = re.compile(r"([A-Za-z_-]+:)*[*?].*")


@dataclass(frozen=True)
class TrustFacts:
    open_to_any_unconditioned: bool = False
    cross_account_without_external_id: tuple[str, ...] = ()
    oidc_providers: tuple[str, ...] = ()
    oidc_subject_unconstrained: bool = False
    service_principals: tuple[str, ...] = field(default_factory=tuple)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def statement_principals(stmt: Mapping[str, Any]) -> dict[str, list[str]]:
    """Principal element as {"AWS": [...], "Service": [...], ...}; "*" and NotPrincipal become {"AWS": ["*"]}."""
    if "NotPrincipal" in stmt:
        return {"AWS": ["*"]}
    raw = stmt.get("Principal")
    if raw == "*":
        return {"AWS": ["*"]}
    if not isinstance(raw, dict):
        raise PolicyParseError('Principal must be "*" or an object')
    return {str(kind): _strings(value) for kind, value in raw.items()}


def _glob_matches(pattern: str, action: str) -> bool:
    regex = re.escape(pattern.strip().lower()).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, action) is not None


def _actions_of(stmt: Mapping[str, Any]) -> set[str]:
    """Which of the assume actions the statement allows (NotAction inverted)."""
    if "NotAction" in stmt:
        excluded = _strings(stmt["NotAction"])
        return {a for a in ASSUME_ACTIONS if not any(_glob_matches(p, a) for p in excluded)}
    patterns = _strings(stmt.get("Action"))
    return {a for a in ASSUME_ACTIONS if any(_glob_matches(p, a) for p in patterns)}


def _conditions(stmt: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(operator lower, key lower, values) triples."""
    raw = stmt.get("Condition") or {}
    if not isinstance(raw, dict):
        raise PolicyParseError("Condition must be an object")
    return [
        (str(op).lower(), str(key).lower(), _strings(values))
        for op, block in raw.items()
        if isinstance(block, dict)
        for key, values in block.items()
    ]


def account_of(principal: str) -> str | None:
    if _BARE_ACCOUNT.fullmatch(principal):
        return principal
    match = _ACCOUNT_IN_ARN.match(principal)
    return match.group(1) if match else None


def _has_external_id(conditions: list[tuple[str, str, list[str]]]) -> bool:
    return any(key == "sts:externalid" and _CONSTRAINING_OP.fullmatch(op) for op, key, _ in conditions)


def provider_host(federated: str) -> str:
    """'arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com' -> 'token.actions.githubusercontent.com'."""
    _, sep, host = federated.partition(":oidc-provider/")
    return (host if sep else federated).lower()


def _sub_constrained(host: str, conditions: list[tuple[str, str, list[str]]]) -> bool:
    """True when some positive condition on '<host>:sub' pins the subject to something specific."""
    for op, key, values in conditions:
        if key != f"{host}:sub" or not _CONSTRAINING_OP.fullmatch(op) or not values:
            continue
        if "like" not in op or not any(_UNCONSTRAINED_LIKE.fullmatch(v) for v in values):
            return True
    return False


def _is_oidc(federated: str, assume: set[str]) -> bool:
    return ":oidc-provider/" in federated or (WEB_IDENTITY in assume and ":saml-provider/" not in federated)


@dataclass
class _Acc:
    open_any: bool = False
    cross: set[str] = field(default_factory=set)
    oidc: set[str] = field(default_factory=set)
    oidc_unconstrained: bool = False
    services: set[str] = field(default_factory=set)


def _read_statement(stmt: Mapping[str, Any], own: set[str], acc: _Acc) -> None:
    if effect_of(stmt) != "Allow":
        return
    principals, assume = statement_principals(stmt), _actions_of(stmt)
    conditions = _conditions(stmt)
    aws = principals.get("AWS", [])
    if "*" in aws and not conditions and assume:
        acc.open_any = True
    if assume and not _has_external_id(conditions):
        acc.cross |= {a for p in aws if (a := account_of(p)) and a not in own}
    acc.services |= set(principals.get("Service", []))
    for federated in principals.get("Federated", []):
        if _is_oidc(federated, assume):
            host = provider_host(federated)
            acc.oidc.add(host)
            if WEB_IDENTITY in assume and not _sub_constrained(host, conditions):
                acc.oidc_unconstrained = True


def trust_facts(
    trust_doc: str | Mapping[str, Any], own_account_id: str, known_accounts: Iterable[str] = ()
) -> TrustFacts:
    """Facts of one trust policy. Raises PolicyParseError on a malformed document."""
    acc = _Acc()
    own = {own_account_id, *known_accounts}
    for stmt in statements_of(load_document(trust_doc)):
        _read_statement(stmt, own, acc)
    return TrustFacts(
        open_to_any_unconditioned=acc.open_any,
        cross_account_without_external_id=tuple(sorted(acc.cross)),
        oidc_providers=tuple(sorted(acc.oidc)),
        oidc_subject_unconstrained=acc.oidc_unconstrained,
        service_principals=tuple(sorted(acc.services)),
    )


# ------------------------------------------------------------------------------------ a web identity's admission

ADMITTED, CONDITIONAL_ADMISSION, NOT_ADMITTED = "admitted", "conditional", "not admitted"


def _value_matches(op: str, values: list[str], actual: str) -> bool | None:
    """Does a condition on a single-valued key hold for `actual`? None: an operator not read here."""
    base = op.removeprefix("forallvalues:").removeprefix("foranyvalue:").removesuffix("ifexists")
    negated = "not" in base
    base = base.replace("not", "")
    if base == "stringequals":
        held = actual in values
    elif base == "stringequalsignorecase":
        held = actual.lower() in {v.lower() for v in values}
    elif base == "stringlike":
        held = any(_like(v, actual) for v in values)
    else:
        return None
    return not held if negated else held


def _like(pattern: str, actual: str) -> bool:
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, actual) is not None


def web_identity_admits(
    trust_doc: str | Mapping[str, Any], issuer_host: str, subject: str, audience: str = "sts.amazonaws.com"
) -> str:
    """Whether a role's trust lets a token of `issuer_host` with this `sub` and `aud` call
    AssumeRoleWithWebIdentity: ADMITTED, CONDITIONAL_ADMISSION (another condition key decides) or NOT_ADMITTED.

    What IRSA needs: the Federated principal is the cluster's OIDC provider and the `<host>:sub` / `<host>:aud`
    conditions admit `system:serviceaccount:<ns>:<name>` and `sts.amazonaws.com` — exactly (StringEquals),
    by a pattern (StringLike, e.g. `system:serviceaccount:ci:*`), or unconstrained (no sub condition at all).
    Raises PolicyParseError on a malformed document."""
    host = issuer_host.lower().removeprefix("https://").rstrip("/")
    best = NOT_ADMITTED
    for stmt in statements_of(load_document(trust_doc)):
        if effect_of(stmt) != "Allow" or WEB_IDENTITY not in _actions_of(stmt):
            continue
        federated = statement_principals(stmt).get("Federated", [])
        if not any(provider_host(f) == host for f in federated):
            continue
        verdict = ADMITTED
        for op, key, values in _conditions(stmt):
            actual = {f"{host}:sub": subject, f"{host}:aud": audience}.get(key)
            held = _value_matches(op, values, actual) if actual is not None else None
            if held is False:
                verdict = NOT_ADMITTED
                break
            if held is None:
                verdict = CONDITIONAL_ADMISSION
        if verdict == ADMITTED:
            return ADMITTED
        if verdict == CONDITIONAL_ADMISSION:
            best = CONDITIONAL_ADMISSION
    return best
