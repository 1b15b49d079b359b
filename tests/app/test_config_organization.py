"""The `organization` section: what it replaces, and one-line errors that name the field."""

from __future__ import annotations

import pytest

from assurance_jobs.collect.organization import Member, member_account
from assurance_jobs.config import ConfigError, parse_config


def test_an_organization_replaces_the_ambient_default_account() -> None:
    config = parse_config({"organization": {"member_role_name": "AssuranceReadOnly"}})
    assert config.accounts == []
    assert config.organization is not None and config.organization.include.empty


def test_listed_accounts_are_kept_beside_an_organization() -> None:
    config = parse_config({"organization": {}, "accounts": [{"name": "outside-the-org"}]})
    assert [account.name for account in config.accounts] == ["outside-the-org"]


def test_no_accounts_and_no_organization_is_an_error() -> None:
    with pytest.raises(ConfigError, match="at least one account, or configure an organization"):
        parse_config({"accounts": []})


def test_a_malformed_ou_id_names_its_field() -> None:
    with pytest.raises(ConfigError, match=r"field 'organization\.include\.ou_ids\.0'"):
        parse_config({"organization": {"include": {"ou_ids": ["production"]}}})


def test_a_management_role_must_be_a_role_arn() -> None:
    with pytest.raises(ConfigError, match=r"organization\.management_role_arn"):
        parse_config({"organization": {"management_role_arn": "arn:aws:iam::123456789012:user/bob"}})


def test_parallelism_is_bounded() -> None:
    with pytest.raises(ConfigError, match=r"field 'max_parallel_accounts'"):
        parse_config({"max_parallel_accounts": 0})


def test_members_run_access_advisor_when_the_organization_section_asks_for_it() -> None:
    config = parse_config({"organization": {"collect_service_last_accessed": True}})
    assert config.organization is not None
    member = member_account(config.organization, Member("210987654321", "payments-prod", "ACTIVE"))
    assert (member.role_arn, member.collect_service_last_accessed) == (
        "arn:aws:iam::210987654321:role/AssuranceReadOnly",
        True,
    )
