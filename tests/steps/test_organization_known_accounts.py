"""Accounts of the same organization trusting each other are not third parties: by default every account the
organization lists counts as known (as if listed in `known_accounts`), so NHI-LP-005 does not flag a member's role
that another member may assume; `organization.members_are_known_accounts: false` turns that off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from moto import mock_aws
from org_fixtures import MANAGEMENT, Organization, build_organization, member_session, organization_config

from assurance_jobs.config import AssuranceConfig, parse_config
from assurance_jobs.snapshot.model import Snapshot
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.inventory import build_partition_inventory, known_accounts

TODAY = datetime.now(UTC).date()
OUTSIDE = "999988887777"


@dataclass(frozen=True)
class Collected:
    org: Organization
    root: Path
    snapshot: Snapshot


def trust(*accounts: str) -> str:
    principals = [f"arn:aws:iam::{account}:root" for account in accounts]
    statement = {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collected]:
    """`ledger` has a role that `payments` (a member), the management account (excluded from the scan, still a
    member) and an outside account may assume, none with an ExternalId."""
    root = tmp_path_factory.mktemp("known")
    with mock_aws():
        org = build_organization()
        iam = member_session(org.accounts["ledger"]).client("iam")
        iam.create_role(
            RoleName="shared-deploy", AssumeRolePolicyDocument=trust(org.accounts["payments"], MANAGEMENT, OUTSIDE)
        )
        config = config_for(root)
        collect_snapshot(config, TODAY)
        yield Collected(org, root, load_partition_snapshot(config, TODAY))


def config_for(root: Path, **organization: object) -> AssuranceConfig:
    settings = organization_config(exclude={"account_ids": [MANAGEMENT]}, **organization)
    return parse_config({**settings, "storage_root": str(root / "data")})


def untrusted(collected: Collected, config: AssuranceConfig) -> str:
    identities: pd.DataFrame = build_partition_inventory(config, collected.snapshot).inventory.identities
    (row,) = identities[identities["name"] == "shared-deploy"].to_dict("records")
    return str(row["cross_account_without_external_id"])


def test_members_are_known_accounts_excluded_ones_included(collected: Collected) -> None:
    members = {*collected.org.accounts.values(), MANAGEMENT}
    assert set(known_accounts(config_for(collected.root), collected.snapshot.manifest)) == members


def test_a_role_trusting_other_members_is_flagged_only_for_the_outside_account(collected: Collected) -> None:
    assert untrusted(collected, config_for(collected.root)) == OUTSIDE


def test_the_switch_off_treats_members_like_any_other_account(collected: Collected) -> None:
    config = config_for(collected.root, members_are_known_accounts=False)
    flagged = untrusted(collected, config).split(",")
    assert flagged == sorted([collected.org.accounts["payments"], MANAGEMENT, OUTSIDE])
