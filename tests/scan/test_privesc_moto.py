"""The principal graph over an estate created in moto and collected by the real collector (API format as served)."""

from __future__ import annotations

import json
from typing import Any

import boto3
from fixtures.inventory.snapshot_builder import TAKEN_AT, build_snapshot
from moto import mock_aws

from assurance_jobs.collect.aws import collect_account
from assurance_jobs.config import AccountConfig, HumanMarker
from assurance_jobs.scan.inventory import build_inventory
from assurance_jobs.scan.policy_join import inventory_with_policy_facts
from assurance_jobs.sources import registry


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _seed(iam: Any) -> str:
    account = boto3.client("sts").get_caller_identity()["Account"]
    iam.create_user(UserName="svc-ci")
    iam.put_user_policy(
        UserName="svc-ci",
        PolicyName="assume",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    )
    root_trust = _doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}
    )
    iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=root_trust)
    attach = iam.create_policy(
        PolicyName="attach-role-policy",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*"}),
    )
    iam.attach_role_policy(RoleName="deployer", PolicyArn=attach["Policy"]["Arn"])
    iam.create_user(UserName="svc-denied")
    iam.put_user_policy(
        UserName="svc-denied",
        PolicyName="assume-but-denied",
        PolicyDocument=_doc(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
            {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"},
        ),
    )
    return account


def test_assume_chain_seeded_in_moto_is_reported_with_its_path_and_a_denied_lookalike_is_not():
    with mock_aws():
        account = _seed(boto3.client("iam"))
        blobs, _, _ = collect_account(
            boto3.Session(), AccountConfig(name="moto"), registry.aws_sources(), max_attempts=2
        )
    inventory = build_inventory(
        build_snapshot(blobs, TAKEN_AT),
        registry.parsers("inventory"),
        owner_tag_keys=["owner"],
        human_marker=HumanMarker(),
        directory=None,
    )
    facts = inventory_with_policy_facts(inventory, [], TAKEN_AT).identities.set_index("arn")
    ci, denied = f"arn:aws:iam::{account}:user/svc-ci", f"arn:aws:iam::{account}:user/svc-denied"
    assert facts.loc[ci, "privesc_path"] == (
        "svc-ci → assume role/deployer (trusts account root) → iam:AttachRolePolicy → admin"
    )
    assert not facts.loc[denied, "privesc_escalates"]
    assert facts.loc[f"arn:aws:iam::{account}:role/deployer", "privesc_reachable_by"] == ci
