"""One recorded call read as AWS means it: who made it, from which network, whether it was denied, and whether
what the baseline approves (at the time of the call) covers it. Pure functions; scan/runtime.py and
scan/runtime_learned.py build identity facts from them.

WHY each rule here:
* Denials are spelled differently by every protocol family (S3 and IAM `AccessDenied`, JSON services
  `AccessDeniedException`, EC2 `Client.UnauthorizedOperation`, SNS `AuthorizationError`, API Gateway
  `ForbiddenException` …); counting one spelling misses most of them.
* A call an AWS service made on the caller's behalf (`invokedBy` / a `*.amazonaws.com` source, e.g. the
  kms:Decrypt Secrets Manager makes inside a GetSecretValue) did not come from the caller's network: it is never
  judged by network (the caller's own call is).
* Through a VPC endpoint CloudTrail records the endpoint id and a private address. A private CIDR in
  `approved_networks` approves that address only through an endpoint of an account this run scans
  (`vpcEndpointAccountId`): 10.0.0.5 in somebody else's VPC is not our network.
* A JIT grant approves what its elevated policy grants to calls made inside its window — not at snapshot time,
  and whether or not the policy is still attached.
* An unknown call (scan/cloudtrail_actions.py) is never within a scope, except for an identity approved for
  every action of that service.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pandas as pd

from assurance_jobs.scan import actions
from assurance_jobs.scan.cloudtrail_actions import iam_actions, service_of

AWS_SERVICE_NETWORK = "aws-service"  # baseline `approved_networks` entry: calls AWS services make on one's behalf
AWS_INTERNAL = "AWS Internal"
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")
DENIAL_NAMES = frozenset(
    {"AccessDenied", "UnauthorizedOperation", "AuthorizationError", "Unauthorized", "UnauthorizedAccess", "Forbidden"}
)
"""Every service's spelling of "not authorised", once its protocol prefix (`Client.`, `AWS.SimpleQueueService.`)
and suffix (`Exception`, `Fault`) are taken off."""

Verdict = Literal["within", "outside", "unknown"]


def is_denial(error_code: str | None) -> bool:
    """True for an authorisation failure in any service's spelling (not for throttling, validation, or a failed
    console sign-in, which is an authentication failure)."""
    if not error_code:
        return False
    name = str(error_code).rsplit(".", 1)[-1]
    return name.removesuffix("Exception").removesuffix("Fault") in DENIAL_NAMES


def on_behalf(network: str) -> bool:
    """The call was made by an AWS service for the caller (its network is the service), not from an address."""
    return network.endswith(".amazonaws.com") or network == AWS_INTERNAL


def network_unit(network: str) -> str:
    """The unit a learned baseline remembers: an IPv4 /24, an IPv6 /48, an endpoint id, or the AWS service acting
    for the caller — so a new source port or an address rotating inside its subnet is not a new network."""
    if on_behalf(network) or network.startswith("vpce-"):
        return network
    if _IPV4.match(network):  # the common case, without building address objects
        return network.rsplit(".", 1)[0] + ".0/24"
    try:
        address = ipaddress.ip_address(network)
    except ValueError:
        return network
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@dataclass(frozen=True)
class Origin:
    """Where a call came from, as CloudTrail records it."""

    network: str  # the endpoint id, the service acting for the caller, or the source address
    source_ip: str | None = None  # the private address of a call through an endpoint
    endpoint_account: str | None = None  # the account that owns that endpoint (vpcEndpointAccountId)


def network_approved(origin: Origin | str, approved: Iterable[str], own_accounts: Iterable[str] = ()) -> bool:
    """Is a call's origin inside the approved networks? Calls made on the caller's behalf always are (see above)."""
    if isinstance(origin, str):
        origin = Origin(origin)
    if on_behalf(origin.network):
        return True
    address = _address(origin)
    through_own = not origin.network.startswith("vpce-") or origin.endpoint_account in set(own_accounts)
    for entry in approved:
        if entry == AWS_SERVICE_NETWORK:
            continue
        if entry.startswith("vpce-"):
            if fnmatch.fnmatchcase(origin.network, entry):
                return True
        elif address is not None and through_own and address in ipaddress.ip_network(entry, strict=False):
            return True
    return False


def _address(origin: Origin) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = origin.source_ip if origin.network.startswith("vpce-") else origin.network
    try:
        return ipaddress.ip_address(text) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class JitWindow:
    """A just-in-time grant as runtime sees it: what its elevated policy grants, and when."""

    start: datetime
    end: datetime
    mask: int


@dataclass(frozen=True)
class Approvals:
    """What the baseline approves for one identity at runtime; None = that dimension is not governed."""

    networks: tuple[str, ...] | None
    action_mask: int | None
    regions: tuple[str, ...] | None = None
    jit: tuple[JitWindow, ...] = ()

    @property
    def governs_runtime(self) -> bool:
        return self.networks is not None or self.action_mask is not None or self.regions is not None


def call_verdict(
    event_source: str, event_name: str, approvals: Approvals, first_seen: datetime, last_seen: datetime
) -> Verdict:
    """Is a call (rows of it seen from `first_seen` to `last_seen`) within the approved actions?

    `within` when IAM does not authorise it, or an approved action covers any action it may need — the static
    approvals, or a JIT grant whose window holds every call of the row; `unknown` when the call is not in the
    table and its service is not wholly approved; else `outside`."""
    needed = iam_actions(event_source, event_name)
    if needed == ():
        return "within"
    mask = (approvals.action_mask or 0) | _jit_mask(approvals.jit, first_seen, last_seen)
    if needed is None:
        service = actions.service_mask(service_of(event_source))
        return "within" if service and service & mask == service else "unknown"
    masks = [actions.expand_mask(action) for action in needed]
    if not any(masks):
        return "unknown"
    return "within" if any(m and m & mask == m for m in masks) else "outside"


def _jit_mask(windows: Iterable[JitWindow], first_seen: datetime, last_seen: datetime) -> int:
    mask = 0
    for window in windows:
        if window.start <= first_seen and last_seen <= window.end:
            mask |= window.mask
    return mask


# --------------------------------------------------------------------------------------- principal resolution

_IAM_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(role|user)/(?:.*/)?([^/]+)$")
_SESSION_ARN = re.compile(r"^arn:aws[a-z-]*:sts::(\d{12}):assumed-role/([^/]+)/.+$")


def identity_key(arn: str) -> tuple[str, str, str] | None:
    """(account, 'role'|'user', name) of an IAM role or user ARN with or without its path, or of an STS session
    of a role; None for anything else. IAM names are unique per account whatever the path."""
    found = _IAM_ARN.match(arn)
    if found:
        return found.group(1), found.group(2), found.group(3)
    session = _SESSION_ARN.match(arn)
    return (session.group(1), "role", session.group(2)) if session else None


def identity_index(identities: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """(account, kind, name) -> the identity's ARN as the inventory spells it (with its path)."""
    index: dict[tuple[str, str, str], str] = {}
    for arn in identities["arn"]:
        key = identity_key(str(arn))
        if key is not None:
            index[key] = str(arn)
    return index


def resolve_identity(arn: str, index: Mapping[tuple[str, str, str], str]) -> str:
    """The inventory's ARN for a role or user named by a session ARN, a path-less ARN (rebuilt from a session, or
    from a failed sign-in's user name) or a registry entry; anything else is returned as it is."""
    key = identity_key(arn)
    return index.get(key, arn) if key is not None else arn


def resolve_principals(activity: pd.DataFrame, identities: pd.DataFrame) -> pd.DataFrame:
    """The activity with `principal_arn` naming the identity each call belongs to (once per distinct principal)."""
    if activity.empty:
        return activity
    index = identity_index(identities)
    distinct = activity["principal_arn"].astype(str).unique()
    mapping = {arn: resolve_identity(arn, index) for arn in distinct}
    if all(arn == mapped for arn, mapped in mapping.items()):
        return activity
    resolved = activity.copy()
    resolved["principal_arn"] = resolved["principal_arn"].map(mapping)
    return resolved
