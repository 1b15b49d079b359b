"""The organization's service and resource control policies, read once per run (scope "organization").

Why it looks like this:
* SCPs and RCPs bound what every principal of a member account can do (docs/privesc.md, "Service and resource
  control policies"): an SCP denying `iam:PassRole` in an OU closes every passrole path below it. They live in
  the management (or a delegated administrator) account, so they are read once, with the same credentials as the
  discovery of the accounts, not once per account.
* `ListPolicies` per type, then per policy `DescribePolicy` (its `Content`) and `ListTargetsForPolicy` (the roots,
  OUs and accounts it is attached to): a few requests per policy, whatever the number of accounts. Each policy keeps
  what the follow-up calls returned, or the error code in `ContentError` / `TargetsError`; a type whose listing did
  not finish is absent from `listed`. The analysis turns each gap into exactly the accounts it leaves unknown
  (scan/sources/organizations_policies.py): a policy whose content is unknown, only the accounts below its
  targets; a policy whose targets are unknown, or a type not listed, every member account.
* `DescribeOrganization` names the management account, which no SCP binds (the discovery may run from a delegated
  administrator, so its caller is not necessarily that account).
* The sources of this scope run right after discovery (`collect_organization_sources`); their status is recorded
  under every collected member account whose verdicts they bound (`OrganizationEvidence.statuses_for`), so a
  failure shows where it matters and never makes an account that was not scanned a scope of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.collect.aws import Throttling, _failure, _json_default, _run, _status
from assurance_jobs.collect.organization import MANAGEMENT_QUOTA, ORGANIZATIONS_REGION
from assurance_jobs.collect.resources import kept
from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob
from assurance_jobs.source import AwsSource, CollectFailure, CollectResult, MakeClient

POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
PAGE_SIZE = 20  # the largest page ListPolicies and ListTargetsForPolicy allow
ORGANIZATION_FIELDS = {"Id": True, "Arn": True, "MasterAccountId": True, "FeatureSet": True}


@dataclass(frozen=True)
class OrganizationEvidence:
    """What the organization-scoped sources returned: their files and one status each (under the caller)."""

    blobs: tuple[SourceBlob, ...] = ()
    statuses: tuple[CollectionStatus, ...] = ()

    def statuses_for(self, accounts: Iterable[str]) -> list[CollectionStatus]:
        """Each status once per account it bounds (the collected member accounts)."""
        return [replace(status, account_id=account) for account in accounts for status in self.statuses]


def collect_organization_sources(
    session: boto3.Session,
    account_id: str,
    sources: Sequence[AwsSource],
    *,
    max_attempts: int,
    throttling: Throttling | None = None,
) -> OrganizationEvidence:
    """Run every AWS source of scope "organization" once, with the management session; files go under
    `account_id` (the caller, where discovery's file is). Their clients draw on the management credentials'
    rate limiter in `throttling`, the one discovery used (the Organizations quota is the organization's)."""
    limiters = throttling or Throttling()
    blobs: list[SourceBlob] = []
    statuses: list[CollectionStatus] = []
    for entry in (e for e in sources if e.scope == "organization"):

        def make_client(service: str = entry.service) -> Any:
            return limiters.client(session, service, ORGANIZATIONS_REGION, MANAGEMENT_QUOTA, max_attempts)

        result = entry.collect(make_client, entry)
        statuses.append(_status(account_id, entry.name, entry.api, None, result))
        if result.content is not None:
            blobs.append(SourceBlob(account_id, entry.name, result.content, None, entry.extension))
    return OrganizationEvidence(tuple(blobs), tuple(statuses))


def collect_organization_policies(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """DescribeOrganization, then every ListPolicies page of each type, each policy gaining its `Content` and
    `Targets` (or `ContentError` / `TargetsError`). The content is stored even when a call failed: which
    types were listed, and which policies could not be read, is the evidence of what is unknown."""
    failures: list[CollectFailure] = []
    evidence: dict[str, Any] = {"organization": None, "listed": [], "pages": []}
    try:
        client = make_client()
        evidence["organization"] = kept(client.describe_organization().get("Organization"), ORGANIZATION_FIELDS)
    except (ClientError, BotoCoreError) as error:
        return CollectResult([], _failure(error), content=_encode(evidence))
    for policy_type in POLICY_TYPES:
        listing = _run(lambda t=policy_type: _paginate(client, "list_policies", Filter=t))
        evidence["pages"] += listing.pages
        if listing.failure is not None:
            failures.append(listing.failure)
        else:
            evidence["listed"].append(policy_type)
    for page in evidence["pages"]:
        for policy in page.get("Policies") or []:
            failures += _describe(client, policy)
    failure = failures[0] if failures else None
    return CollectResult(evidence["pages"], failure, content=_encode(evidence))


def _paginate(client: Any, operation: str, **parameters: Any) -> Iterable[dict[str, Any]]:
    return client.get_paginator(operation).paginate(**parameters, PaginationConfig={"PageSize": PAGE_SIZE})


def _describe(client: Any, policy: dict[str, Any]) -> list[CollectFailure]:
    """Add the policy's document and targets to it; the failures, if any."""
    failures = []
    try:
        described = client.describe_policy(PolicyId=policy["Id"])
        policy["Content"] = (described.get("Policy") or {}).get("Content")
    except (ClientError, BotoCoreError) as error:
        failures.append(_failure(error))
        policy["ContentError"] = failures[-1].code
    targets = _run(lambda: _paginate(client, "list_targets_for_policy", PolicyId=policy["Id"]))
    if targets.failure is not None:
        failures.append(targets.failure)
        policy["TargetsError"] = targets.failure.code
    else:
        policy["Targets"] = [target for page in targets.pages for target in page.get("Targets") or []]
    return failures


def _encode(evidence: dict[str, Any]) -> bytes:
    """Deterministic JSON, like every other source (same responses, same sha256)."""
    return json.dumps(evidence, sort_keys=True, separators=(",", ":"), default=_json_default).encode("utf-8")
