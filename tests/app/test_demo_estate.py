"""The demo estate really contains what its ledger says, with the intended dates, read back with plain boto3."""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from assurance_jobs.app.demo import planted_defects
from assurance_jobs.demo.builder import EstateBuilder, Expectation
from assurance_jobs.demo.estate import DemoEstate, seed_demo_estate
from assurance_jobs.demo.planted import DEPARTED_OWNER, IMG_TAG, SCRIPT_TAG, UNKNOWN_OWNER, plant_all
from assurance_jobs.demo.population import add_population
from assurance_jobs.demo.server import emulated_aws

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
DESIGN = Path(__file__).resolve().parents[2] / "docs" / "design.md"


@pytest.fixture(scope="module")
def endpoint_url() -> Iterator[str]:
    with emulated_aws() as url:
        yield url


@pytest.fixture(scope="module")
def estate(endpoint_url: str, tmp_path_factory: pytest.TempPathFactory) -> DemoEstate:
    return seed_demo_estate(endpoint_url, now=NOW, size=40, feed_dir=tmp_path_factory.mktemp("feed"))


def client(endpoint_url: str, service: str) -> Any:
    """Explicit endpoint and keys: the shared autouse fixture resets the AWS environment before every test."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="module")
def iam(estate: DemoEstate, endpoint_url: str) -> Any:
    return client(endpoint_url, "iam")


@pytest.fixture(scope="module")
def report(iam: Any) -> dict[str, dict[str, str]]:
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"].decode()
    return {row["user"]: row for row in csv.DictReader(content.splitlines())}


@pytest.fixture(scope="module")
def secrets(estate: DemoEstate, endpoint_url: str) -> dict[str, dict[str, Any]]:
    listing = client(endpoint_url, "secretsmanager").list_secrets(MaxResults=100)["SecretList"]
    return {secret["Name"]: secret for secret in listing}


def days_before_now(stamp: str | datetime) -> float:
    moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) else stamp
    return (NOW - moment.astimezone(UTC)) / timedelta(days=1)


def test_key_planted_as_200_days_old_was_created_200_days_before_now(report: dict[str, dict[str, str]]) -> None:
    row = report["svc-legacy-billing"]
    assert row["access_key_1_active"] == "true"
    assert days_before_now(row["access_key_1_last_rotated"]) == pytest.approx(200)
    assert days_before_now(row["access_key_1_last_used_date"]) == pytest.approx(2)


def test_dormant_key_was_last_used_70_days_ago(report: dict[str, dict[str, str]]) -> None:
    row = report["svc-nightly-backup"]
    assert days_before_now(row["access_key_1_last_rotated"]) == pytest.approx(80)
    assert days_before_now(row["access_key_1_last_used_date"]) == pytest.approx(70)


def test_never_used_key_reports_no_last_use(report: dict[str, dict[str, str]]) -> None:
    row = report["svc-report-exporter"]
    assert row["access_key_1_active"] == "true"
    assert row["access_key_1_last_used_date"] == "N/A"
    assert days_before_now(row["access_key_1_last_rotated"]) == pytest.approx(60)


def test_user_with_two_keys_has_both_active(report: dict[str, dict[str, str]]) -> None:
    row = report["svc-ci-artifacts"]
    assert (row["access_key_1_active"], row["access_key_2_active"]) == ("true", "true")


def test_service_user_has_a_console_password(report: dict[str, dict[str, str]]) -> None:
    assert report["svc-jenkins-legacy"]["password_enabled"] == "true"


def test_compliant_user_key_is_fresh_and_recently_used(report: dict[str, dict[str, str]]) -> None:
    row = report["svc-payments-ledger"]
    assert days_before_now(row["access_key_1_last_rotated"]) == pytest.approx(20)
    assert days_before_now(row["access_key_1_last_used_date"]) == pytest.approx(1)
    assert row["password_enabled"] == "false"


def test_stale_role_was_last_used_120_days_ago(iam: Any) -> None:
    role = iam.get_role(RoleName="etl-legacy-ingest")["Role"]
    assert days_before_now(role["RoleLastUsed"]["LastUsedDate"]) == pytest.approx(120)


def test_never_used_role_was_created_100_days_ago_and_has_no_last_use(iam: Any) -> None:
    role = iam.get_role(RoleName="ml-feature-store-experiment")["Role"]
    assert "LastUsedDate" not in role.get("RoleLastUsed", {})
    assert days_before_now(role["CreateDate"]) == pytest.approx(100)


def test_long_session_role_allows_twelve_hours(iam: Any) -> None:
    assert iam.get_role(RoleName="etl-longrunning-batch")["Role"]["MaxSessionDuration"] == 43200


def _trust(iam: Any, role_name: str) -> dict[str, Any]:
    document = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    return (json.loads(document) if isinstance(document, str) else document)["Statement"][0]


def test_open_trust_role_accepts_any_principal_without_condition(iam: Any) -> None:
    statement = _trust(iam, "partner-webhook-receiver")
    assert statement["Principal"] == {"AWS": "*"}
    assert "Condition" not in statement


def test_cross_account_roles_differ_only_in_external_id(iam: Any) -> None:
    assert "Condition" not in _trust(iam, "vendor-auditor-nocheck")
    assert "sts:ExternalId" in _trust(iam, "vendor-auditor-secure")["Condition"]["StringEquals"]


def test_github_oidc_roles_differ_only_in_sub_condition(iam: Any) -> None:
    unpinned = _trust(iam, "gha-deploy-unpinned")["Condition"]
    pinned = _trust(iam, "gha-payments-api-deploy")["Condition"]
    assert "StringLike" not in unpinned
    assert pinned["StringLike"] == {
        "token.actions.githubusercontent.com:sub": "repo:acme/payments-api:ref:refs/heads/main"
    }
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert [p["Arn"].endswith("token.actions.githubusercontent.com") for p in providers] == [True]


def test_split_privilege_escalation_role_holds_both_policies(iam: Any) -> None:
    attached = iam.list_attached_role_policies(RoleName="lambda-deployer-ci")["AttachedPolicies"]
    assert sorted(policy["PolicyName"] for policy in attached) == ["ci-lambda-deploy", "ci-pass-role"]


def test_admin_is_inherited_through_a_group(iam: Any) -> None:
    groups = iam.list_groups_for_user(UserName="svc-terraform-legacy")["Groups"]
    assert [group["GroupName"] for group in groups] == ["platform-admins"]
    attached = iam.list_attached_group_policies(GroupName="platform-admins")["AttachedPolicies"]
    assert [policy["PolicyName"] for policy in attached] == ["LegacyFullAccess"]


def test_bounded_deployer_has_a_permissions_boundary(iam: Any) -> None:
    role = iam.get_role(RoleName="lambda-deployer-bounded")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(":policy/boundary-s3-readonly")


def test_secret_without_rotation_reports_none(secrets: dict[str, dict[str, Any]]) -> None:
    assert not secrets["prod/billing/stripe-api-key"].get("RotationEnabled")


def test_secret_rotated_long_ago_shows_rotation_120_days_ago(secrets: dict[str, dict[str, Any]]) -> None:
    secret = secrets["prod/orders/db-password"]
    assert secret["RotationEnabled"] is True
    assert days_before_now(secret["LastRotatedDate"]) == pytest.approx(120)


def test_secret_last_read_100_days_ago_reports_that_day(secrets: dict[str, dict[str, Any]]) -> None:
    accessed = secrets["prod/reports/legacy-ftp-credentials"]["LastAccessedDate"].astimezone(UTC)
    assert accessed == datetime(2026, 8, 17, tzinfo=UTC)  # NOW - 100 days, at day granularity


def test_server_certificate_expiries_come_from_the_certificates(iam: Any) -> None:
    listing = iam.list_server_certificates()["ServerCertificateMetadataList"]
    expiry = {cert["ServerCertificateName"]: -days_before_now(cert["Expiration"]) for cert in listing}
    assert expiry == pytest.approx({"legacy-portal-2024": -10, "api-edge-2026": 12, "www-acme-example": 300})


def test_owner_tags_carry_markup_for_the_escaping_tests(iam: Any) -> None:
    tags = {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName="frontend-render-svc")["Tags"]}
    assert (tags["owner"], tags["Name"]) == (SCRIPT_TAG, IMG_TAG)


def test_directory_feed_lists_the_departed_owner_and_not_the_unknown_one(estate: DemoEstate) -> None:
    with estate.directory_feed_path.open(encoding="utf-8") as handle:
        feed = {row["email"]: row for row in csv.DictReader(handle)}
    assert feed[DEPARTED_OWNER]["status"] == "terminated"
    assert feed[DEPARTED_OWNER]["termination_date"] == "2026-10-11"
    assert UNKNOWN_OWNER not in feed


def test_every_canary_sits_in_a_secret_value(
    estate: DemoEstate, secrets: dict[str, dict[str, Any]], endpoint_url: str
) -> None:
    reader = client(endpoint_url, "secretsmanager")  # only this test reads values; the product never does
    values = " ".join(reader.get_secret_value(SecretId=secret["ARN"])["SecretString"] for secret in secrets.values())
    assert estate.canaries
    assert all(canary in values for canary in estate.canaries)


def test_every_single_day_rule_in_the_design_has_a_planted_defect(estate: DemoEstate) -> None:
    """Baseline and drift rules need a second day and a baseline, probe rules a token issuer, runtime rules
    CloudTrail logs and agent rules the agent platforms: the demo's history, issuer, log writer and agent fleet
    plant those (end-to-end tests check them)."""
    table = re.findall(r"^\| (NHI-[A-Z]+-\d{3}) \| (\w+) \|", DESIGN.read_text(encoding="utf-8"), re.MULTILINE)
    planted_elsewhere = ("baseline", "drift", "probes", "runtime", "agents")
    design_rules = {rule_id for rule_id, family in table if family not in planted_elsewhere}
    assert design_rules
    assert design_rules <= estate.rule_ids()


def test_every_ledger_resource_exists_in_the_account(
    estate: DemoEstate, iam: Any, secrets: dict[str, dict[str, Any]]
) -> None:
    details = iam.get_account_authorization_details()
    principals = {item["Arn"] for key in ("UserDetailList", "RoleDetailList") for item in details[key]}
    certificates = {cert["Arn"] for cert in iam.list_server_certificates()["ServerCertificateMetadataList"]}
    known = principals | certificates | {secret["ARN"] for secret in secrets.values()}
    ledger = [*estate.defects, *estate.not_flagged]
    resources = {item.identity_arn or item.resource for item in ledger} | set(estate.compliant_arns)
    assert resources - known == set()
    assert set(estate.compliant_resources) <= known


def test_estate_has_the_requested_number_of_principals(estate: DemoEstate, iam: Any) -> None:
    details = iam.get_account_authorization_details()
    assert len(details["UserDetailList"]) + len(details["RoleDetailList"]) == estate.counts["principals"] == 40


def test_same_seed_plans_the_same_estate() -> None:
    def ledger() -> list[Any]:
        builder = EstateBuilder(now=NOW, account_id="123456789012", rng=random.Random(7))
        plant_all(builder)
        add_population(builder, 120)
        return [builder.defects, builder.compliant, builder.canaries, len(builder.plan)]

    assert ledger() == ledger()


def test_planted_count_includes_the_drift_runtime_and_probe_defects() -> None:
    static = Expectation("key 200 days old", "arn:aws:iam::123456789012:user/svc-old#access_key_1", "NHI-ROT-001")
    planted = planted_defects([static], {"NHI-DRIFT-001": "arn:aws:iam::123456789012:role/payments-settlement"})
    rules = {rule_id for rule_id, _ in planted}
    assert {"NHI-ROT-001", "NHI-DRIFT-001", "NHI-RT-001", "NHI-RT-005", "NHI-PRB-001", "NHI-PRB-003"} <= rules
