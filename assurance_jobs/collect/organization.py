"""AWS Organizations discovery: which accounts a run must cover, where they sit, and how to enter each one.

Why it looks like this:
* The account list comes from the organization itself (`ListAccounts`), never from a hand-kept list, so a new
  account is scanned the day it appears and a suspended one is reported, not silently dropped.
* The OU tree is walked from the root (`ListRoots`, then `ListOrganizationalUnitsForParent` and
  `ListAccountsForParent` per OU) so OU filters include child OUs, and every account carries its OU path for the
  report. That costs about two requests per OU, whatever the number of accounts; the OUs of one level of the tree
  are read at the same time, and the account list (one chain of pages) beside the walk.
* Tags (`ListTagsForResource`, one request per account) are read only when a filter uses them, several accounts
  at a time (`max_parallel_accounts`) through one client: they wait on round trips, and the client's adaptive
  limiter keeps them within the organization's request rate.
* Discovery that fails (denied, throttled to exhaustion) stops the run with one line: without the account list
  nothing can be said about coverage, and an empty organization must never read as a clean one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.collect.aws import Throttling, session_for
from assurance_jobs.config import AccountConfig, AccountSelector, OrganizationConfig
from assurance_jobs.snapshot.model import SourceBlob

DISCOVERY_SOURCE = "organizations_discovery"  # assurance_jobs/sources/organizations_discovery.py declares it
ORGANIZATIONS_REGION = "us-east-1"  # the Organizations API has one endpoint, in us-east-1
ACTIVE = "ACTIVE"
ANY_VALUE = "*"
MANAGEMENT_QUOTA = "caller:organization-management"
"""Whose quotas discovery and every member's AssumeRole draw on: the management (or delegated admin) account."""


class OrganizationDiscoveryError(RuntimeError):
    """The organization's accounts could not be listed; the message is one line for the person running it."""


@dataclass(frozen=True)
class Member:
    """One account of the organization, as discovery saw it."""

    account_id: str
    name: str
    state: str  # ACTIVE, SUSPENDED or PENDING_CLOSURE
    ancestors: tuple[str, ...] = ()  # root id, then OU ids down to the account's parent
    ou_path: str = ""  # "Root/prod/prod-eu"
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def active(self) -> bool:
        return self.state == ACTIVE

    @property
    def ou_id(self) -> str:
        return self.ancestors[-1] if self.ancestors else ""


@dataclass(frozen=True)
class Discovery:
    management_account_id: str
    partition: str  # "aws", "aws-us-gov", "aws-cn": member role ARNs are built in the same partition
    members: tuple[Member, ...]  # selected by include/exclude, suspended ones included
    excluded: tuple[Member, ...]
    evidence: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def blob(self) -> SourceBlob:
        """The raw discovery responses, snapshotted like any API response (evidence of coverage)."""
        return SourceBlob(self.management_account_id, DISCOVERY_SOURCE, _encode(self.evidence))


def management_session(org: OrganizationConfig, throttling: Throttling | None = None) -> boto3.Session:
    """The credentials that may list the organization: a profile and/or a role, else the standard chain."""
    management = AccountConfig(
        name="organization-management",
        profile=org.profile,
        role_arn=org.management_role_arn,
        external_id=org.external_id,
        regions=org.regions,
    )
    return session_for(management, throttling=throttling, caller=MANAGEMENT_QUOTA)


def member_account(org: OrganizationConfig, member: Member, partition: str = "aws") -> AccountConfig:
    """How to enter a member: its read-only role, named the same in every account (StackSets deploy it)."""
    return AccountConfig(
        name=member.account_id,
        role_arn=f"arn:{partition}:iam::{member.account_id}:role/{org.member_role_name}",
        external_id=org.external_id,
        regions=org.regions,
        collect_service_last_accessed=org.collect_service_last_accessed,
        collect_resources=org.collect_resources,
        collect_agents=org.collect_agents,
    )


def discover(
    session: boto3.Session,
    org: OrganizationConfig,
    *,
    max_attempts: int,
    max_parallel: int = 1,
    throttling: Throttling | None = None,
) -> Discovery:
    """List, place, tag (if needed: up to `max_parallel` look-ups at once) and select the organization's accounts."""
    limiters = throttling or Throttling()

    def client(service: str) -> Any:
        return limiters.client(session, service, ORGANIZATIONS_REGION, MANAGEMENT_QUOTA, max_attempts)

    workers = max(2, max_parallel)
    try:
        caller = client("sts").get_caller_identity()
        organizations = client("organizations")
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="discovery") as pool:
            listing = pool.submit(_pages, organizations, "list_accounts")  # its pages chain: one after another
            placement, ou_names, tree_pages = _walk_tree(organizations, pool)  # meanwhile, the OU tree
            account_pages = listing.result()
        accounts = [account for page in account_pages for account in page.get("Accounts", [])]
        needs_tags = bool(org.include.tags or org.exclude.tags)
        tags = _all_tags(organizations, [str(a["Id"]) for a in accounts], max_parallel) if needs_tags else {}
    except (ClientError, BotoCoreError) as error:
        raise OrganizationDiscoveryError(_describe(error)) from None
    _check_ou_ids_exist(org, ou_names)
    members = [_member(account, placement, ou_names, tags) for account in accounts]
    selected, excluded = select(members, org.include, org.exclude)
    evidence = {
        "pages": account_pages,
        "tree": tree_pages,
        "tags": {account: dict(pairs) for account, pairs in sorted(tags.items())},
    }
    partition = str(caller["Arn"]).split(":")[1]
    return Discovery(str(caller["Account"]), partition, tuple(selected), tuple(excluded), evidence)


def select(
    members: Iterable[Member], include: AccountSelector, exclude: AccountSelector
) -> tuple[list[Member], list[Member]]:
    """(selected, excluded), each sorted by account id: in when `include` is empty or matches, out when `exclude`
    matches. Suspended accounts are selected like any other: they are reported INCOMPLETE, never skipped."""
    selected: list[Member] = []
    excluded: list[Member] = []
    for member in sorted(members, key=lambda m: m.account_id):
        wanted = (include.empty or matches(member, include)) and not matches(member, exclude)
        (selected if wanted else excluded).append(member)
    return selected, excluded


def matches(member: Member, selector: AccountSelector) -> bool:
    """Any one criterion is enough: an account id, an OU (at any depth above the account) or a tag."""
    if member.account_id in selector.account_ids:
        return True
    if any(ou in member.ancestors for ou in selector.ou_ids):
        return True
    tags = dict(member.tags)
    return any(key in tags and value in (ANY_VALUE, tags[key]) for key, value in selector.tags.items())


def _pages(client: Any, method: str, **parameters: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator(method).paginate(**parameters)
    return [{key: value for key, value in page.items() if key != "ResponseMetadata"} for page in pages]


def _walk_tree(
    client: Any, pool: ThreadPoolExecutor
) -> tuple[dict[str, tuple[str, ...]], dict[str, str], list[dict[str, Any]]]:
    """Each account's chain of ancestors (root first), the names of roots and OUs, and the raw pages.

    Breadth first, one level of the tree at a time, the parents of a level read at the same time (their accounts
    and their child OUs too): the raw pages come out in the same order as a one-at-a-time walk would give them,
    so the same organization still yields the same bytes."""
    placement: dict[str, tuple[str, ...]] = {}
    names: dict[str, str] = {}
    raw: list[dict[str, Any]] = []
    level: list[tuple[str, ...]] = []
    for page in _pages(client, "list_roots"):
        raw.append({"operation": "ListRoots", "page": page})
        for root in page.get("Roots", []):
            names[root["Id"]] = root.get("Name") or "Root"
            level.append((root["Id"],))
    while level:
        parents = [chain[-1] for chain in level]
        accounts = pool.map(lambda parent: _pages(client, "list_accounts_for_parent", ParentId=parent), parents)
        units = pool.map(
            lambda parent: _pages(client, "list_organizational_units_for_parent", ParentId=parent), parents
        )
        below: list[tuple[str, ...]] = []
        for chain, account_pages, unit_pages in zip(level, accounts, units, strict=True):
            parent = chain[-1]
            for page in account_pages:
                raw.append({"operation": "ListAccountsForParent", "parent": parent, "page": page})
                placement.update({str(account["Id"]): chain for account in page.get("Accounts", [])})
            for page in unit_pages:
                raw.append({"operation": "ListOrganizationalUnitsForParent", "parent": parent, "page": page})
                for unit in page.get("OrganizationalUnits", []):
                    names[unit["Id"]] = unit.get("Name") or unit["Id"]
                    below.append((*chain, unit["Id"]))
        level = below
    return placement, names, raw


def _all_tags(client: Any, account_ids: list[str], max_parallel: int) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every account's tags; the first AWS failure ends discovery (an unknown tag could wrongly select)."""
    with ThreadPoolExecutor(max_workers=max(1, min(max_parallel, len(account_ids))), thread_name_prefix="tags") as pool:
        return dict(zip(account_ids, pool.map(lambda account_id: _tags(client, account_id), account_ids), strict=True))


def _tags(client: Any, account_id: str) -> tuple[tuple[str, str], ...]:
    pages = _pages(client, "list_tags_for_resource", ResourceId=account_id)
    return tuple(sorted((tag["Key"], tag["Value"]) for page in pages for tag in page.get("Tags", [])))


def _member(
    account: dict[str, Any],
    placement: dict[str, tuple[str, ...]],
    names: dict[str, str],
    tags: dict[str, tuple[tuple[str, str], ...]],
) -> Member:
    account_id = str(account["Id"])
    chain = placement.get(account_id, ())
    state = str(account.get("State") or account.get("Status") or "UNKNOWN").upper()
    return Member(
        account_id=account_id,
        name=str(account.get("Name") or account_id),
        state=state,
        ancestors=chain,
        ou_path="/".join(names.get(node, node) for node in chain),
        tags=tags.get(account_id, ()),
    )


def _check_ou_ids_exist(org: OrganizationConfig, known: dict[str, str]) -> None:
    """A mistyped OU id would silently select nothing (or exclude nothing): name it instead."""
    for field_name, selector in (("include", org.include), ("exclude", org.exclude)):
        unknown = [ou for ou in selector.ou_ids if ou not in known]
        if unknown:
            raise OrganizationDiscoveryError(
                f"organization.{field_name}.ou_ids: {', '.join(unknown)} not found in the organization; "
                "check the id (aws organizations list-organizational-units-for-parent)"
            )


def _describe(error: ClientError | BotoCoreError) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        operation = getattr(error, "operation_name", "Organizations")
        code = details.get("Code") or "ClientError"
        return (
            f"organization: could not list the organization's accounts ({operation}: {code}); "
            "use credentials of the management or a delegated-administrator account (organization.management_role_arn)"
        )
    return f"organization: could not reach AWS Organizations ({type(error).__name__}: {error})"


def _encode(evidence: dict[str, Any]) -> bytes:
    """Same bytes for the same responses (like every other source), so unchanged organizations hash the same."""
    text = json.dumps(evidence, sort_keys=True, separators=(",", ":"), default=_json_default)
    return text.encode("utf-8")


def _json_default(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime | date) else str(value)
