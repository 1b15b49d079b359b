"""Organizations discovery on moto: every account listed with its OU, filters by OU (recursively), id and tag."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from collect_fixtures import on_call, parsed_error
from moto import mock_aws
from org_fixtures import MANAGEMENT, Organization, build_organization

from assurance_jobs.collect import organization as discovery_module
from assurance_jobs.collect.organization import OrganizationDiscoveryError, discover
from assurance_jobs.config import OrganizationConfig


@pytest.fixture(scope="module")
def org() -> Iterator[Organization]:
    with mock_aws():
        yield build_organization()


def selected(org: Organization, **filters: object) -> set[str]:
    found = discover(boto3.Session(region_name="us-east-1"), OrganizationConfig(**filters), max_attempts=2)
    names = {account_id: name for name, account_id in org.accounts.items()} | {MANAGEMENT: "management"}
    return {names[member.account_id] for member in found.members}


def test_without_filters_every_account_is_selected_including_the_suspended_one(org: Organization) -> None:
    assert selected(org) == {"management", "payments", "suspended-app", "ledger", "sandbox"}


def test_each_member_carries_its_state_and_ou_path(org: Organization) -> None:
    found = discover(boto3.Session(region_name="us-east-1"), OrganizationConfig(), max_attempts=2)
    by_id = {member.account_id: member for member in found.members}
    ledger = by_id[org.accounts["ledger"]]
    assert (ledger.ou_id, ledger.ou_path, ledger.state) == (org.ous["prod-eu"], "Root/prod/prod-eu", "ACTIVE")
    assert by_id[org.accounts["suspended-app"]].state == "SUSPENDED"
    assert found.management_account_id == MANAGEMENT


def test_an_ou_filter_includes_accounts_of_its_child_ous(org: Organization) -> None:
    chosen = selected(org, include={"ou_ids": [org.ous["prod"]]})
    assert chosen == {"payments", "suspended-app", "ledger"}


def test_exclude_by_tag_removes_matching_accounts(org: Organization) -> None:
    assert "sandbox" not in selected(org, exclude={"tags": {"env": "dev"}})


def test_include_by_tag_with_any_value(org: Organization) -> None:
    assert selected(org, include={"tags": {"team": "*"}}) == {"ledger"}


def test_include_by_account_id_and_exclude_wins(org: Organization) -> None:
    ids = [org.accounts["payments"], org.accounts["sandbox"]]
    chosen = selected(org, include={"account_ids": ids}, exclude={"account_ids": [org.accounts["sandbox"]]})
    assert chosen == {"payments"}


def test_tags_are_read_only_when_a_filter_uses_them(org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = discovery_module._tags
    monkeypatch.setattr(
        discovery_module, "_tags", lambda client, account: calls.append(account) or real(client, account)
    )
    selected(org, include={"ou_ids": [org.ous["dev"]]})
    assert calls == []


def test_an_unknown_ou_id_is_named_instead_of_selecting_nothing(org: Organization) -> None:
    with pytest.raises(OrganizationDiscoveryError, match=r"organization\.include\.ou_ids: ou-zzzz-zzzzzzzz not found"):
        selected(org, include={"ou_ids": ["ou-zzzz-zzzzzzzz"]})


def test_denied_listing_stops_the_run_with_one_line(org: Organization) -> None:
    session = boto3.Session(region_name="us-east-1")
    on_call(session, "organizations", "ListAccounts", lambda **_: parsed_error("AccessDeniedException"))
    with pytest.raises(OrganizationDiscoveryError) as raised:
        discover(session, OrganizationConfig(), max_attempts=2)
    assert "ListAccounts: AccessDeniedException" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_discovery_evidence_is_deterministic_json(org: Organization) -> None:
    first = discover(boto3.Session(region_name="us-east-1"), OrganizationConfig(), max_attempts=2).blob()
    second = discover(boto3.Session(region_name="us-east-1"), OrganizationConfig(), max_attempts=2).blob()
    assert first.content == second.content
    assert first.relative_path == f"{MANAGEMENT}/organizations_discovery.json"
