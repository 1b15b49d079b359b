"""The KMS key inventory (`kms_keys`): key ARNs with their tags, collected beside the CloudTrail day, metadata only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from assurance_jobs.collect.aws import collect_account, collect_kms_keys
from assurance_jobs.config import AccountConfig, HumanMarker, TrailConfig
from assurance_jobs.scan.sources import kms_keys
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import Manifest, ManifestFile, Snapshot
from assurance_jobs.sources import registry

ACCOUNT = "123456789012"
REGION = "eu-west-1"
KEY_ID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
ENTRY = registry.source("kms_keys")


@pytest.fixture
def kms() -> Iterator[object]:
    with mock_aws():
        yield boto3.client("kms", region_name=REGION)


TAKEN_AT = datetime(2026, 12, 1, 6, tzinfo=UTC)


def _parsed(content: bytes) -> kms_keys.KmsKeys:
    parsed = kms_keys.parse(_snapshot(content), ACCOUNT, Context(TAKEN_AT, [], HumanMarker(), None))
    assert parsed is not None
    return parsed


def _snapshot(content: bytes) -> Snapshot:
    path = f"{ACCOUNT}/kms_keys.{REGION}.json"
    entry = ManifestFile(path, ACCOUNT, "kms_keys", REGION, hashlib.sha256(content).hexdigest(), len(content))
    return Snapshot(
        Manifest("snap", TAKEN_AT.date(), TAKEN_AT, "test", 0.0, [ACCOUNT], [entry], []), "memory", {path: content}
    )


def test_every_key_is_kept_with_its_tags(kms) -> None:
    tagged = kms.create_key(Tags=[{"TagKey": "data-class", "TagValue": "secret"}])["KeyMetadata"]["Arn"]
    plain = kms.create_key()["KeyMetadata"]["Arn"]
    result = collect_kms_keys(lambda: kms, ENTRY)
    found = _parsed(result.content).tags
    assert (result.failure, found) == (None, {tagged: {"data-class": "secret"}, plain: {}})


def test_a_key_whose_tags_are_denied_is_unknown_and_the_listing_partial() -> None:
    client = boto3.client("kms", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("list_keys", {"Keys": [{"KeyId": KEY_ID, "KeyArn": KEY_ARN}], "Truncated": False})
        stub.add_client_error("list_resource_tags", "AccessDeniedException", "key policy does not allow it")
        result = collect_kms_keys(lambda: client, ENTRY)
    assert result.failure is not None and result.failure.code == "AccessDeniedException"
    assert _parsed(result.content).tags == {KEY_ARN: None}


def test_keys_are_collected_in_each_trail_region_only_where_cloudtrail_is_read() -> None:
    account = AccountConfig(name="a", regions=["us-east-1", REGION])
    trail = TrailConfig(bucket="org-trail-logs", regions=[REGION])
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=trail.bucket)
        _, without, _ = collect_account(
            boto3.Session(region_name="us-east-1"), account, registry.aws_sources(), max_attempts=2
        )
        _, with_trail, _ = collect_account(
            boto3.Session(region_name="us-east-1"),
            account,
            registry.aws_sources(),
            max_attempts=2,
            trail=trail,
            partition_date=date(2026, 12, 1),
        )
    assert [s.region for s in without if s.source == "kms_keys"] == []
    assert [(s.region, s.status) for s in with_trail if s.source == "kms_keys"] == [(REGION, "ok")]
