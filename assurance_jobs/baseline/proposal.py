"""A baseline proposed from what was observed: draft entries and a right-sized policy per NHI (pure, no I/O).

WHY: writing `approved_networks` / `approved_actions` by hand for thousands of NHIs does not happen, so most are
judged only by their learned behaviour. Drafting the entries from the stored activity profiles — the networks,
calls and regions each identity actually used — turns review into reading a diff. Like IAM Access Analyzer's policy
generation, the right-sized policy lists the actions the identity's successful calls exercised, and the comparison
with what it is granted shows what could be removed. Nothing here is applied: the step writes files for review.

Calls whose IAM action is unknown (scan/cloudtrail_actions.py) are listed apart and never put into a policy: a
guessed action name would be either wrong or an over-grant.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from assurance_jobs.scan import actions
from assurance_jobs.scan.cloudtrail_actions import iam_actions
from assurance_jobs.scan.policy import EffectivePermissions
from assurance_jobs.scan.runtime_learned import CALL, NETWORK, REGION

LIST_CAP = 100  # unused actions listed per identity in the JSON (the count carries the full figure)
POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class Window:
    """The stored days a proposal was drafted from."""

    days_requested: int
    first: date
    last: date
    stored: tuple[date, ...]

    @property
    def missing(self) -> tuple[date, ...]:
        wanted = pd.date_range(self.first, self.last, freq="D").date
        return tuple(day for day in wanted if day not in set(self.stored))

    def describe(self) -> str:
        gaps = ", ".join(d.isoformat() for d in self.missing) or "none"
        return (
            f"{len(self.stored)} of {self.days_requested} days of stored activity, {self.first} to {self.last} "
            f"(days without stored activity: {gaps})"
        )


def _networks(values: Iterable[str]) -> list[str]:
    """CIDRs (the learned /24 or /48) and endpoint ids; anything else (a service host, 'unknown') is no network."""
    found = set()
    for value in values:
        if value.startswith("vpce-"):
            found.add(value)
            continue
        try:
            found.add(str(ipaddress.ip_network(value, strict=False)))
        except ValueError:
            continue
    return sorted(found)


def _called(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """(IAM actions the calls exercised, calls whose action is unknown), both sorted."""
    used: set[str] = set()
    unknown: set[str] = set()
    for key in values:
        source, _, name = key.rpartition(":")
        found = [action for action in iam_actions(source, name) or () if actions.expand_mask(action)]
        if found:
            used.update(found)
        elif iam_actions(source, name) != ():  # () is a call IAM does not authorise: nothing to approve
            unknown.add(key)
    return sorted(used, key=str.lower), sorted(unknown)


def right_sized_policy(used: Iterable[str]) -> dict[str, Any]:
    """One Allow statement per service over the used actions (Resource "*": narrow it during review)."""
    by_service: dict[str, list[str]] = {}
    for action in sorted(used, key=str.lower):
        by_service.setdefault(action.split(":", 1)[0], []).append(action)
    statements = [
        {"Sid": _sid(service), "Effect": "Allow", "Action": names, "Resource": "*"}
        for service, names in sorted(by_service.items())
    ]
    return {"Version": POLICY_VERSION, "Statement": statements}


def _sid(service: str) -> str:
    return "Used" + "".join(part.capitalize() for part in service.replace(".", "-").split("-"))


def granted_vs_used(permissions: EffectivePermissions | None, used: Iterable[str]) -> dict[str, Any]:
    """How much of the identity's effective permissions its calls used (IAM Access Analyzer's comparison)."""
    granted = permissions.allowed_mask if permissions is not None else 0
    used_mask = actions.set_to_mask(used)
    names = actions.catalogue().names
    unused_mask = granted & ~used_mask
    unused = [names[i] for i in range(unused_mask.bit_length()) if unused_mask >> i & 1]
    ranges = actions.catalogue().service_ranges
    granted_services = {s for s, (a, b) in ranges.items() if granted >> a & ((1 << (b - a)) - 1)}
    used_services = {s for s, (a, b) in ranges.items() if (used_mask & granted) >> a & ((1 << (b - a)) - 1)}
    return {
        "granted_actions": granted.bit_count(),
        "used_actions": (granted & used_mask).bit_count(),
        "used_but_not_granted_by_its_policies": sorted(
            a for a in used if actions.expand_mask(a) and not actions.expand_mask(a) & granted
        ),
        "unused_services": sorted(granted_services - used_services),
        "unused_action_count": len(unused),
        "unused_actions": unused[:LIST_CAP],
    }


Flagged = Mapping[str, Sequence[tuple[str, str, str]]]
"""Per identity ARN, the open runtime findings naming it: (rule id, what it flags — `network`, `call` or `region`,
its rule's meta `proposal_holds_back` —, observed text)."""


def _tokens(observed: str) -> list[str]:
    return [token for token in re.split(r"[\s,;()×]+", observed) if token]


def _flagged_by(value: str, kind: str, findings: Sequence[tuple[str, str, str]]) -> tuple[str, str] | None:
    """The first finding of this kind whose observed text names `value`: an address inside a proposed network,
    the action or region itself. What a finding flags is never proposed for approval: observed is not approved."""
    for rule_id, flags, observed in findings:
        if flags != kind:
            continue
        for token in _tokens(observed):
            if kind == NETWORK:
                if _in_network(token, value):
                    return rule_id, observed
            elif token.lower() == value.lower():
                return rule_id, observed
    return None


def _in_network(token: str, network: str) -> bool:
    try:
        address = ipaddress.ip_network(token, strict=False)
        return address.subnet_of(ipaddress.ip_network(network, strict=False))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return token == network


def _hold_back(
    values: list[str], kind: str, findings: Sequence[tuple[str, str, str]], held: list[dict[str, str]]
) -> list[str]:
    kept = []
    for value in values:
        flagged = _flagged_by(value, kind, findings) if findings else None
        if flagged is None:
            kept.append(value)
        else:
            held.append({"value": value, "rule_id": flagged[0], "observed": flagged[1]})
    return kept


def propose(
    profiles: pd.DataFrame,
    identities: pd.DataFrame,
    permissions: Mapping[str, EffectivePermissions],
    window: Window,
    selected: Iterable[str] = (),
    flagged: Flagged | None = None,
) -> dict[str, Any]:
    """The proposal as data: the window, then one entry per NHI with activity in it (or per `selected` ARN).

    `profiles`: the window's stored profile rows (principal_arn, kind, value), duplicates allowed. `flagged`: the
    open runtime findings per identity; a network, action or region one of them names is held back (listed with
    the finding under `held_back`), never proposed — the thief's network must not be drafted as approved."""
    wanted = set(selected)
    nhis = identities[identities["is_nhi"].fillna(False).astype(bool)]
    arns = [str(arn) for arn in nhis["arn"] if not wanted or str(arn) in wanted]
    by_principal = {str(p): rows for p, rows in profiles.groupby("principal_arn")} if len(profiles) else {}
    entries = []
    for arn in sorted(arns):
        rows = by_principal.get(arn)
        if rows is None:
            continue
        values = {kind: sorted(set(map(str, group["value"]))) for kind, group in rows.groupby("kind")}
        used, unknown = _called(values.get(CALL, []))
        findings, held = (flagged or {}).get(arn, ()), []
        used = _hold_back(used, CALL, findings, held)
        entries.append(
            {
                "arn": arn,
                "approved_networks": _hold_back(_networks(values.get(NETWORK, [])), NETWORK, findings, held),
                "approved_actions": used,
                "approved_regions": _hold_back(values.get(REGION, []), REGION, findings, held),
                "held_back": held,
                "calls_of_unknown_action": unknown,
                "policy": right_sized_policy(used),
                "granted_vs_used": granted_vs_used(permissions.get(arn), used),
            }
        )
    return {
        "window": {
            "days_requested": window.days_requested,
            "first": window.first.isoformat(),
            "last": window.last.isoformat(),
            "days_stored": [day.isoformat() for day in window.stored],
            "days_missing": [day.isoformat() for day in window.missing],
        },
        "identities": entries,
        "not_observed": sorted(set(arns) - {entry["arn"] for entry in entries}) if wanted else [],
    }


def baseline_document(proposal: Mapping[str, Any]) -> dict[str, Any]:
    """The proposal's entries in the baseline file format (baseline/model.py), for review."""
    return {
        "identities": [
            {
                "name": f"proposed from observed activity: {entry['arn'].rsplit('/', 1)[-1]}",
                "arn": entry["arn"],
                "approved_networks": entry["approved_networks"],
                "approved_actions": entry["approved_actions"],
                "approved_regions": entry["approved_regions"],
            }
            for entry in proposal["identities"]
        ]
    }
