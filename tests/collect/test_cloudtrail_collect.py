"""Collecting a CloudTrail day from S3 (moto): the real key layout, object evidence, and coverage as status."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from assurance_jobs.collect.activity import from_parquet
from assurance_jobs.collect.cloudtrail import collect_cloudtrail, covered_day, day_prefix, delivery_hour
from assurance_jobs.config import ConfigError, TrailConfig, parse_config
from assurance_jobs.demo.cloudtrail_logs import put_log_object, record

ACCOUNT = "123456789012"
REGION = "eu-west-1"
PARTITION = date(2026, 12, 1)
DAY = date(2026, 11, 30)
USER = f"arn:aws:iam::{ACCOUNT}:user/svc-reports"
TRAIL = TrailConfig(bucket="org-trail-logs", prefix="audit")


@pytest.fixture
def s3() -> Iterator[object]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=TRAIL.bucket)
        yield client


def _hour(hour: int) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, 5, tzinfo=UTC)


def _deliver(s3, hours=range(24), trail: TrailConfig = TRAIL) -> list[str]:
    return [
        put_log_object(
            s3, trail, ACCOUNT, REGION, _hour(h), [record(USER, "s3.amazonaws.com", "ListBuckets", _hour(h))]
        )
        for h in hours
    ]


def _collect(s3, trail: TrailConfig = TRAIL):
    """The configured region's files and statuses, by source."""
    blobs, statuses = collect_cloudtrail(s3, trail, ACCOUNT, [REGION], PARTITION)
    return {b.source: b for b in blobs if b.region == REGION}, {s.source: s for s in statuses if s.region == REGION}


def test_a_partition_covers_the_previous_full_utc_day() -> None:
    assert covered_day(PARTITION) == DAY


def test_keys_follow_the_cloudtrail_layout_with_an_organization_id() -> None:
    trail = TrailConfig(bucket="org-trail-logs", prefix="audit", organization_id="o-abcd123456")
    assert day_prefix(trail, ACCOUNT, REGION, DAY) == (
        f"audit/AWSLogs/o-abcd123456/{ACCOUNT}/CloudTrail/{REGION}/2026/11/30/"
    )


def test_delivery_hour_is_read_from_the_object_name() -> None:
    assert delivery_hour(f"x/{ACCOUNT}_CloudTrail_{REGION}_20261130T1705Z_AbC123.json.gz") == 17
    assert delivery_hour("x/CloudTrail-Digest/whatever.json.gz") is None


def test_a_fully_covered_day_is_ok_and_every_object_is_recorded_with_its_sha256(s3) -> None:
    keys = _deliver(s3)
    blobs, statuses = _collect(s3)
    assert statuses["cloudtrail_activity"].status == "ok"
    listing = json.loads(blobs["cloudtrail_objects"].content)["pages"][0]
    assert [o["Key"] for o in listing["Objects"]] == sorted(keys)
    first = listing["Objects"][0]
    body = s3.get_object(Bucket=TRAIL.bucket, Key=first["Key"])["Body"].read()
    assert first["Sha256"] == hashlib.sha256(body).hexdigest()
    assert first["Size"] == len(body) and first["ETag"]
    activity = from_parquet(blobs["cloudtrail_activity"].content)
    assert activity["event_count"].sum() == 24


def test_hours_without_log_objects_make_the_day_partial(s3) -> None:
    _deliver(s3, hours=[h for h in range(24) if h not in (3, 4)])
    _, statuses = _collect(s3)
    activity = statuses["cloudtrail_activity"]
    assert (activity.status, activity.error_code) == ("partial", "IncompleteCoverage")
    assert "hours 03, 04" in (activity.message or "")


def test_hour_gaps_are_tolerated_when_hourly_delivery_is_not_expected(s3) -> None:
    _deliver(s3, hours=[9])
    _, statuses = _collect(s3, TRAIL.model_copy(update={"expect_hourly_delivery": False}))
    assert statuses["cloudtrail_activity"].status == "ok"


def test_an_unreadable_object_is_listed_and_the_rest_still_reduced(s3) -> None:
    keys = _deliver(s3)
    s3.put_object(Bucket=TRAIL.bucket, Key=keys[5], Body=b"\x1f\x8b\x08\x00 not really gzip")
    blobs, statuses = _collect(s3)
    assert statuses["cloudtrail_activity"].status == "partial"
    listing = json.loads(blobs["cloudtrail_objects"].content)["pages"][0]
    assert [u["Key"] for u in listing["UnreadableObjects"]] == [keys[5]]
    assert from_parquet(blobs["cloudtrail_activity"].content)["event_count"].sum() == 23


def test_a_pretty_printed_object_is_read_and_the_day_stays_ok(s3) -> None:
    keys = _deliver(s3)
    pretty = json.dumps({"Records": [record(USER, "s3.amazonaws.com", "ListBuckets", _hour(5))]}, indent=2)
    s3.put_object(Bucket=TRAIL.bucket, Key=keys[5], Body=gzip.compress(pretty.encode()))
    blobs, statuses = _collect(s3)
    assert statuses["cloudtrail_activity"].status == "ok"
    assert from_parquet(blobs["cloudtrail_activity"].content)["event_count"].sum() == 24


def test_a_day_without_any_log_object_is_an_error(s3) -> None:
    _, statuses = _collect(s3)
    assert (statuses["cloudtrail_activity"].status, statuses["cloudtrail_activity"].error_code) == (
        "error",
        "NoLogObjects",
    )


def test_a_missing_bucket_is_an_error_for_both_sources(s3) -> None:
    _, statuses = _collect(s3, TrailConfig(bucket="no-such-trail-bucket"))
    assert {s.status for s in statuses.values()} == {"error"}
    assert statuses["cloudtrail_objects"].error_code == "NoSuchBucket"


def test_logs_of_other_days_are_not_read(s3) -> None:
    _deliver(s3)
    put_log_object(
        s3, TRAIL, ACCOUNT, REGION, _hour(1) + timedelta(days=1), [record(USER, "s3.amazonaws.com", "X", _hour(1))]
    )
    blobs, _ = _collect(s3)
    assert len(json.loads(blobs["cloudtrail_objects"].content)["pages"][0]["Objects"]) == 24


def test_trail_configuration_names_the_bad_field() -> None:
    bad = {"accounts": [{"name": "prod", "cloudtrail": {"bucket": "Trail_Logs"}}]}
    with pytest.raises(ConfigError, match=r"accounts\.0\.cloudtrail\.bucket"):
        parse_config(bad)


def test_an_account_without_its_own_trail_uses_the_organization_trail() -> None:
    config = parse_config(
        {"accounts": [{"name": "a"}], "organization_trail": {"bucket": "org-logs", "organization_id": "o-abcd123456"}}
    )
    assert config.trail_for(config.accounts[0]).bucket == "org-logs"


def _fail_every(s3, operation: str, code: str) -> None:
    """Every call of `operation` answers `code`, as a denied policy or exhausted retries would."""
    from botocore.exceptions import ClientError

    def refuse(**_: object) -> None:
        raise ClientError({"Error": {"Code": code, "Message": f"{operation} refused by the test"}}, operation)

    s3.meta.events.register(f"before-call.s3.{operation}", refuse)


def test_a_denied_listing_is_an_error_for_both_sources(s3) -> None:
    _deliver(s3)
    _fail_every(s3, "ListObjectsV2", "AccessDenied")
    _, statuses = _collect(s3)
    assert {s.status for s in statuses.values()} == {"error"}
    assert statuses["cloudtrail_objects"].error_code == "AccessDenied"


def test_log_objects_throttled_to_exhaustion_leave_the_activity_unproven(s3) -> None:
    _deliver(s3)
    _fail_every(s3, "GetObject", "SlowDown")
    _, statuses = _collect(s3)
    assert statuses["cloudtrail_activity"].status != "ok"
    assert statuses["cloudtrail_activity"].error_code == "SlowDown"


def _statuses_by_region(s3) -> dict[tuple[str, str | None], str]:
    _, statuses = collect_cloudtrail(s3, TRAIL, ACCOUNT, [REGION], PARTITION)
    return {(s.source, s.region): s.status for s in statuses}


def test_a_region_the_trail_delivers_but_the_config_does_not_name_is_read(s3) -> None:
    _deliver(s3)
    at = _hour(3)
    other = record(USER, "ec2.amazonaws.com", "RunInstances", at, region="ap-southeast-2")
    put_log_object(s3, TRAIL, ACCOUNT, "ap-southeast-2", at, [other])
    blobs, statuses = collect_cloudtrail(s3, TRAIL, ACCOUNT, [REGION], PARTITION)
    extra = next(b for b in blobs if b.source == "cloudtrail_activity" and b.region == "ap-southeast-2")
    assert from_parquet(extra.content)["event_name"].tolist() == ["RunInstances"]
    assert {(s.source, s.status) for s in statuses if s.region == "ap-southeast-2"} == {
        ("cloudtrail_objects", "ok"),
        ("cloudtrail_activity", "ok"),  # quiet hours there are no gap: the configuration did not ask for them
    }


def test_a_delivered_region_without_objects_on_the_covered_day_is_no_gap(s3) -> None:
    _deliver(s3)
    put_log_object(s3, TRAIL, ACCOUNT, "sa-east-1", _hour(3) - timedelta(days=3), [])
    assert _statuses_by_region(s3)[("cloudtrail_activity", "sa-east-1")] == "ok"


def test_trail_regions_that_cannot_be_listed_leave_the_account_partial_naming_what_was_read(s3) -> None:
    _deliver(s3)
    from botocore.exceptions import ClientError

    def refuse_delimited(params, **_: object) -> None:
        if params.get("Delimiter"):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "prefix not allowed"}}, "ListObjectsV2")

    s3.meta.events.register("provide-client-params.s3.ListObjectsV2", refuse_delimited)
    _, statuses = collect_cloudtrail(s3, TRAIL, ACCOUNT, [REGION], PARTITION)
    listing = next(s for s in statuses if s.region is None)
    assert (listing.source, listing.status, listing.error_code) == ("cloudtrail_objects", "partial", "AccessDenied")
    assert f"regions other than {REGION} may be unread" in listing.message
    assert {s.status for s in statuses if s.region == REGION} == {"ok"}
