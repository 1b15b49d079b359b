"""The organization's SCPs and RCPs, read once per run: every policy with its content and targets, and every way
Organizations fails kept in the file (which types were listed, which policy could not be read) and in the status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.retries import bucket, standard
from collect_fixtures import http_response, on_call, on_send_first, parsed_error
from moto import mock_aws

from assurance_jobs.collect.aws import _status, client_config
from assurance_jobs.collect.organization_policies import collect_organization_sources
from assurance_jobs.source import CollectResult
from assurance_jobs.sources import registry

ENTRY = registry.source("organizations_policies")
MANAGEMENT = "123456789012"


def _document(effect: str, action: str, **extra: Any) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": action, "Resource": "*", **extra}]}
    )


DENY_PASSROLE = _document("Deny", "iam:PassRole")
RCP_DENY = _document("Deny", "sts:AssumeRole", Principal="*")


@pytest.fixture(autouse=True)
def instant_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(bucket.TokenBucket, "_sleep_amount", lambda self, amount: 0)


@pytest.fixture(scope="module")
def organization() -> Iterator[dict[str, str]]:
    """An organization with one OU; an SCP denying iam:PassRole on the OU, an RCP on the root."""
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        root = client.list_roots()["Roots"][0]["Id"]
        ou = client.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
        scp = client.create_policy(
            Content=DENY_PASSROLE, Description="d", Name="deny-passrole", Type="SERVICE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]["Id"]
        client.attach_policy(PolicyId=scp, TargetId=ou)
        rcp = client.create_policy(
            Content=RCP_DENY, Description="d", Name="no-outside-assume", Type="RESOURCE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]["Id"]
        client.attach_policy(PolicyId=rcp, TargetId=root)
        yield {"root": root, "ou": ou, "scp": scp, "rcp": rcp}


@pytest.fixture
def session(organization: dict[str, str]) -> boto3.Session:
    return boto3.Session(region_name="us-east-1")


def collect(session: boto3.Session) -> CollectResult:
    return ENTRY.collect(lambda: session.client("organizations", config=client_config(3)), ENTRY)


def evidence(result: CollectResult) -> dict[str, Any]:
    assert result.content is not None
    return json.loads(result.content)


def policies(result: CollectResult) -> dict[str, dict[str, Any]]:
    return {p["Name"]: p for page in evidence(result)["pages"] for p in page["Policies"]}


def test_every_scp_and_rcp_is_kept_with_its_content_and_its_targets(
    session: boto3.Session, organization: dict[str, str]
) -> None:
    result = collect(session)
    assert result.failure is None
    found = evidence(result)
    assert (found["organization"]["MasterAccountId"], found["listed"]) == (
        MANAGEMENT,
        ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"],
    )
    deny, rcp = policies(result)["deny-passrole"], policies(result)["no-outside-assume"]
    assert (deny["Content"], [t["TargetId"] for t in deny["Targets"]]) == (DENY_PASSROLE, [organization["ou"]])
    assert (rcp["Type"], [t["TargetId"] for t in rcp["Targets"]]) == ("RESOURCE_CONTROL_POLICY", [organization["root"]])


def test_a_denied_listing_is_an_error_and_the_file_says_no_type_was_listed(session: boto3.Session) -> None:
    on_call(session, "organizations", "ListPolicies", lambda **_: parsed_error("AccessDeniedException"))
    result = collect(session)
    status = _status(MANAGEMENT, ENTRY.name, ENTRY.api, None, result)
    assert (status.status, status.error_code) == ("error", "AccessDeniedException")
    assert (evidence(result)["listed"], evidence(result)["pages"]) == ([], [])


def test_a_policy_whose_content_is_denied_keeps_the_error_and_makes_the_source_partial(session: boto3.Session) -> None:
    on_call(session, "organizations", "DescribePolicy", lambda **_: parsed_error("AccessDeniedException"))
    result = collect(session)
    status = _status(MANAGEMENT, ENTRY.name, ENTRY.api, None, result)
    assert (status.status, status.error_code) == ("partial", "AccessDeniedException")
    assert {p.get("ContentError") for p in policies(result).values()} == {"AccessDeniedException"}
    assert all("Targets" in p for p in policies(result).values())


def test_targets_throttled_past_the_retries_are_kept_as_an_error_on_each_policy(session: boto3.Session) -> None:
    attempts: list[int] = []

    def throttle(**_: Any) -> Any:
        attempts.append(1)
        body = json.dumps({"__type": "TooManyRequestsException", "message": "slow down"}).encode()
        return http_response(400, body, {"Content-Type": "application/x-amz-json-1.1"})

    on_send_first(session, "organizations", "ListTargetsForPolicy", throttle)
    result = collect(session)
    status = _status(MANAGEMENT, ENTRY.name, ENTRY.api, None, result)
    assert (status.status, status.error_code) == ("partial", "TooManyRequestsException")
    assert {p.get("TargetsError") for p in policies(result).values()} == {"TooManyRequestsException"}
    assert len(attempts) == 3 * len(policies(result))


def test_an_organization_that_cannot_be_described_is_an_error_with_nothing_listed(session: boto3.Session) -> None:
    on_call(session, "organizations", "DescribeOrganization", lambda **_: parsed_error("AccessDeniedException"))
    result = collect(session)
    assert (result.pages, result.failure and result.failure.code) == ([], "AccessDeniedException")
    assert evidence(result) == {"organization": None, "listed": [], "pages": []}


def test_the_organization_sources_run_once_under_the_caller_and_their_status_goes_to_each_member(
    session: boto3.Session,
) -> None:
    found = collect_organization_sources(session, MANAGEMENT, registry.aws_sources(), max_attempts=2)
    assert [(b.account_id, b.source) for b in found.blobs] == [(MANAGEMENT, "organizations_policies")]
    assert [(s.source, s.status) for s in found.statuses] == [("organizations_policies", "ok")]
    replicated = found.statuses_for(["111111111111", "222222222222"])
    assert [(s.account_id, s.source, s.status) for s in replicated] == [
        ("111111111111", "organizations_policies", "ok"),
        ("222222222222", "organizations_policies", "ok"),
    ]
