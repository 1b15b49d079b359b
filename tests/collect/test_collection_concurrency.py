"""What runs at the same time while collecting, and what is shared: tag look-ups overlap, an account's CloudTrail
regions are read together, and botocore's adaptive rate limiter is one per AWS quota — a throttled call slows every
client drawing on that quota, and no other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import boto3
import pytest
from botocore.retries import bucket
from collect_fixtures import query_error
from latency_proxy import latency_proxy
from moto import mock_aws
from org_fixtures import build_organization
from org_server import moto_server

from assurance_jobs.collect import cloudtrail
from assurance_jobs.collect.aws import Throttling
from assurance_jobs.collect.cloudtrail import CLOUDTRAIL_OBJECTS, RegionDay
from assurance_jobs.collect.organization import discover
from assurance_jobs.config import OrganizationConfig, TrailConfig
from assurance_jobs.snapshot.model import CollectionStatus


def test_tag_look_ups_run_up_to_max_parallel_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    with moto_server() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        build_organization()
        with latency_proxy(endpoint, delay=0.2) as proxy:
            monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint)
            org = OrganizationConfig(include={"tags": {"env": "prod"}})
            found = discover(boto3.Session(region_name="us-east-1"), org, max_attempts=2, max_parallel=4)
            counts, most = proxy.reset_counts()
    assert counts["ListTagsForResource"] == 5  # one per account: the management account and four members
    assert most == 4  # max_parallel at most: the tags' look-ups fill it
    assert len(found.members) == 3  # payments, suspended-app and ledger are tagged env=prod


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Which token buckets made a caller wait (by identity), instead of waiting."""
    waited: list[int] = []
    monkeypatch.setattr(bucket.TokenBucket, "_sleep_amount", lambda self, amount: waited.append(id(self)) or 0)
    yield waited


def test_a_throttled_call_slows_the_clients_of_its_quota_and_no_other(sleeps: list[int]) -> None:
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        limits = Throttling()
        throttled = limits.client(session, "iam", "us-east-1", "account:111111111111", max_attempts=1)
        same_quota = limits.client(session, "iam", "us-east-1", "account:111111111111", max_attempts=1)
        other_quota = limits.client(session, "iam", "us-east-1", "account:222222222222", max_attempts=1)
        throttled.meta.events.register_first("before-send.iam.ListRoles", lambda **_: query_error("Throttling"))
        with pytest.raises(throttled.exceptions.ClientError):
            throttled.list_roles()
        for _ in range(3):  # the shared bucket starts small after a throttle: sending soon must wait
            same_quota.list_roles()
        waited_same = len(sleeps)
        for _ in range(3):
            other_quota.list_roles()
    assert waited_same > 0
    assert len(sleeps) == waited_same  # the other quota's limiter never saw the throttle


def test_an_accounts_cloudtrail_regions_are_read_at_the_same_time_and_kept_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each region — the configured ones and one more the trail delivers to — waits at a barrier that opens only
    when every region has arrived: read one after another, the first would time out. Configured regions come
    first, then the delivered ones the configuration does not name."""
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    delivered = ["ap-southeast-2", "sa-east-1"]
    arrived = threading.Barrier(len(regions) + 1, timeout=10)

    def read_region(s3, trail, account_id, region, day, **_):  # type: ignore[no-untyped-def]
        arrived.wait()
        status = CollectionStatus(account_id, CLOUDTRAIL_OBJECTS, "s3:ListBucket", region, "ok", None, None, 1)
        return RegionDay([], [status])

    monkeypatch.setattr(cloudtrail, "collect_region_day", read_region)
    monkeypatch.setattr(cloudtrail, "delivered_regions", lambda s3, trail, account_id: (delivered, None))
    trail = TrailConfig(bucket="org-trail-logs", regions=regions)
    _, statuses = cloudtrail.collect_cloudtrail(object(), trail, "123456789012", ["us-east-1"], date(2026, 11, 25))
    assert [status.region for status in statuses] == [*regions, "sa-east-1"]
