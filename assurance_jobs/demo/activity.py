"""The demo's CloudTrail: two days of log objects in the emulated bucket, ordinary activity plus planted behaviour,
and the older days of activity history the learned baseline needs.

moto delivers no logs, so the demo writes what CloudTrail would (demo/cloudtrail_logs.py): one object per region
per hour (so coverage is complete), in the real key layout. Both covered days carry the estate's ordinary traffic
— Lambda roles calling DynamoDB, the checkout API reading its API key, the settlement job reading its secret
through its VPC endpoint, the support agent calling Bedrock, a person signing in to the console, the reconciler
decrypting report exports with an untagged KMS key from outside its VPC (not a secrets-store read: that key is not
secret-bearing). The second day (covered by today's partition) also carries what the runtime rules must catch;
`RUNTIME_LEDGER` names rule and resource for each, and `KMS_SECRET_READ` the reconciler's Decrypt of the ledger key
(tagged `data-class: secret`, which the demo baseline's `secret_key_tags` makes secret-bearing) from the thief's
address. Three of them only the learned baseline can catch, because no baseline entry governs those identities:
the checkout API reading its key from a new network and trying to launch instances in a region it never used (one
the configuration does not even name: the trail delivers it, so it is read), and the ledger user creating an
access key, its first IAM write.

The learned baseline needs `learned_baseline_min_days` stored days: `history_activity` generates the older days'
activity cheaply (one reduced day of ordinary traffic, its times shifted per day) for the demo to store, as if
earlier daily runs had.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pandas as pd

from assurance_jobs.collect.activity import reduce_files
from assurance_jobs.config import TrailConfig
from assurance_jobs.demo.agents import planted_agent_calls, routine_agent_calls
from assurance_jobs.demo.cloudtrail_logs import console_login, kms_key_resource, log_object, put_log_object, record

ACCOUNT = "123456789012"
TRAIL_BUCKET = "acme-cloudtrail-logs"
TRAIL_PREFIX = "org-trail"
SETTLEMENT_VPCE = "vpce-0settle0001"
THIEF_IP = "185.220.101.45"  # a public address nobody approved
JENKINS_LOGIN_IP = "198.51.100.23"
PROBE_IP = "203.0.113.77"
EXPORT_IP = "52.94.133.61"  # the reconciler's report export runs outside the VPC: fine for an untagged key
CHECKOUT_IP = "52.94.133.12"
NEW_NETWORK_IP = "45.155.205.91"  # a network the checkout API never used
NEW_REGION = "ap-southeast-1"  # a region none of the estate's NHIs ever used, and the demo does not configure
CHECKOUT_SECRET = "prod/checkout/payment-gateway-key"
SECRET_KEY_TAG = {"key": "data-class", "value": "secret"}
LAMBDA_UA = "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12 exec-env/AWS_Lambda"


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


SETTLEMENT = _arn("role", "payments-settlement")
RECONCILER = _arn("role", "payments-reconciler")
SUPPORT_BOT = _arn("role", "agent-support-bot")
CHECKOUT = _arn("role", "checkout-api-prod-lambda")
LEDGER_USER = _arn("user", "svc-payments-ledger")
JENKINS = _arn("user", "svc-jenkins-legacy")
CI_ARTIFACTS = _arn("user", "svc-ci-artifacts")
ALICE = _arn("user", "alice.nguyen")

RUNTIME_LEDGER: dict[str, str] = {
    "NHI-RT-001": SETTLEMENT,
    "NHI-RT-002": JENKINS,
    "NHI-RT-003": SUPPORT_BOT,
    "NHI-RT-004": CI_ARTIFACTS,
    "NHI-RT-005": SETTLEMENT,  # granted kms:* overnight (drift), never called
    # Only the learned baseline catches these: no baseline entry governs the checkout API or the ledger user.
    "NHI-RT-006": CHECKOUT,  # reads its payment-gateway key from a network it never used
    "NHI-RT-007": LEDGER_USER,  # its first IAM write: an access key for itself
    "NHI-RT-008": CHECKOUT,  # tries to launch instances in a region it never used
}
SETTLEMENT_NETWORKS = ["10.20.0.0/16", SETTLEMENT_VPCE, "aws-service"]
# NHI-RT-001 through a KMS key: the reconciler decrypts with the secret-bearing ledger key from the thief's address.
KMS_SECRET_READ = ("NHI-RT-001", RECONCILER)


@dataclass(frozen=True)
class DemoKeys:
    """The two KMS keys of the emulated account (moto picks their ids): one secret-bearing, one not."""

    ledger: str
    reports: str


def seed_keys(endpoint: str) -> DemoKeys:
    kms = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1")
    tag = [{"TagKey": SECRET_KEY_TAG["key"], "TagValue": SECRET_KEY_TAG["value"]}]
    ledger = kms.create_key(Description="payments ledger data keys", Tags=tag)["KeyMetadata"]["Arn"]
    reports = kms.create_key(Description="settlement report exports")["KeyMetadata"]["Arn"]
    return DemoKeys(ledger, reports)


def _decrypt(key_arn: str, at: datetime, source_ip: str, user_agent: str = LAMBDA_UA) -> dict[str, Any]:
    return record(
        RECONCILER,
        "kms.amazonaws.com",
        "Decrypt",
        at,
        source_ip=source_ip,
        user_agent=user_agent,
        request_parameters={"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
        resources=kms_key_resource(key_arn),
    )


def demo_trail() -> TrailConfig:
    return TrailConfig(bucket=TRAIL_BUCKET, prefix=TRAIL_PREFIX)


def _ordinary(at: datetime, region: str, keys: DemoKeys) -> list[dict[str, Any]]:
    """One hour's routine traffic in one region."""
    minute = timedelta(minutes=7)
    records = [
        record(
            CHECKOUT,
            "dynamodb.amazonaws.com",
            "GetItem",
            at,
            region=region,
            source_ip="52.94.133.12",
            user_agent=LAMBDA_UA,
        ),
        record(
            CHECKOUT,
            "dynamodb.amazonaws.com",
            "PutItem",
            at + minute,
            region=region,
            source_ip="52.94.133.12",
            user_agent=LAMBDA_UA,
        ),
        record(
            SUPPORT_BOT,
            "bedrock.amazonaws.com",
            "InvokeModel",
            at + minute,
            region=region,
            source_ip="52.94.133.40",
            user_agent=LAMBDA_UA,
        ),
        record(
            SUPPORT_BOT,
            "dynamodb.amazonaws.com",
            "Query",
            at + 2 * minute,
            region=region,
            source_ip="52.94.133.40",
            user_agent=LAMBDA_UA,
        ),
        record(
            LEDGER_USER,
            "sts.amazonaws.com",
            "GetCallerIdentity",
            at + 3 * minute,
            region=region,
            source_ip="10.20.4.17",
        ),
    ]
    if region == "us-east-1":
        records += [
            record(
                SETTLEMENT,
                "secretsmanager.amazonaws.com",
                "GetSecretValue",
                at + 4 * minute,
                region=region,
                source_ip="10.20.8.31",
                vpc_endpoint_id=SETTLEMENT_VPCE,
                request_parameters={"secretId": "prod/payments/ledger-db"},
            ),
            record(
                SETTLEMENT,
                "s3.amazonaws.com",
                "GetObject",
                at + 5 * minute,
                region=region,
                source_ip="10.20.8.31",
                vpc_endpoint_id=SETTLEMENT_VPCE,
                request_parameters={"bucketName": "acme-settlement", "key": "in/batch.csv"},
            ),
            record(
                RECONCILER,
                "s3.amazonaws.com",
                "GetObject",
                at + 6 * minute,
                region=region,
                source_ip="10.20.9.14",
                vpc_endpoint_id=SETTLEMENT_VPCE,
                request_parameters={"bucketName": "acme-settlement", "key": "out/report.csv"},
            ),
            _decrypt(keys.reports, at + 7 * minute, EXPORT_IP),
        ]
    if region == "us-east-1" and at.hour == 9:
        records.append(console_login(ALICE, at + minute, "192.0.2.10"))
    if region == "us-east-1" and at.hour == 6:
        records.append(_checkout_secret_read(at + minute, CHECKOUT_IP, LAMBDA_UA))
    return records + routine_agent_calls(at, region)


def _checkout_secret_read(at: datetime, source_ip: str, user_agent: str) -> dict[str, Any]:
    return record(
        CHECKOUT,
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        at,
        source_ip=source_ip,
        user_agent=user_agent,
        request_parameters={"secretId": CHECKOUT_SECRET},
    )


def _planted(at: datetime, region: str, keys: DemoKeys) -> list[dict[str, Any]]:
    """What today's runtime rules must find, in the hour it happened."""
    if region != "us-east-1":
        return []
    found: list[dict[str, Any]] = []
    if at.hour == 2:  # the settlement role's secret read from a public address, with the CLI
        found += [
            record(
                SETTLEMENT,
                "secretsmanager.amazonaws.com",
                "GetSecretValue",
                at + timedelta(minutes=m),
                source_ip=THIEF_IP,
                user_agent="aws-cli/2.17.20 Python/3.11.9 Linux/6.5 exe/x86_64.kali",
                request_parameters={"secretId": "prod/payments/ledger-db"},
            )
            for m in (11, 12, 14)
        ]
        found.append(_decrypt(keys.ledger, at + timedelta(minutes=16), THIEF_IP, "aws-cli/2.17.20"))
    found += planted_agent_calls(at)  # the research agent's role rewrites its own policy (demo/agents.py)
    if at.hour == 13:  # a person signs in as the Jenkins service user
        found.append(console_login(JENKINS, at + timedelta(minutes=40), JENKINS_LOGIN_IP))
    if at.hour == 16:  # the support agent invokes a refund tool it was never approved for
        found += [
            record(
                SUPPORT_BOT,
                "lambda.amazonaws.com",
                "Invoke",
                at + timedelta(minutes=m),
                source_ip="52.94.133.40",
                user_agent=LAMBDA_UA,
                request_parameters={"functionName": "billing-refund"},
            )
            for m in (3, 9, 21, 33)
        ]
    if at.hour == 3:  # the checkout API's key read from a network it never used (learned baseline: NHI-RT-006)
        found.append(_checkout_secret_read(at + timedelta(minutes=8), NEW_NETWORK_IP, "aws-cli/2.17.20"))
    if at.hour == 11:  # the ledger user's first IAM write (learned baseline: NHI-RT-007)
        found.append(
            record(
                LEDGER_USER,
                "iam.amazonaws.com",
                "CreateAccessKey",
                at + timedelta(minutes=4),
                source_ip="10.20.4.17",
                request_parameters={"userName": "svc-payments-ledger"},
            )
        )
    if at.hour == 22:  # CI credentials enumerate IAM
        for m, name in enumerate(
            ["ListUsers", "ListRoles", "ListAttachedRolePolicies", "GetAccountAuthorizationDetails"] * 15
        ):
            found.append(
                record(
                    CI_ARTIFACTS,
                    "iam.amazonaws.com",
                    name,
                    at + timedelta(seconds=20 * m),
                    source_ip=PROBE_IP,
                    user_agent="aws-cli/2.17.20",
                    error_code="AccessDenied",
                )
            )
    return found


def new_region_records(at: datetime) -> list[dict[str, Any]]:
    """The checkout API's credentials trying to launch instances in a region it never used (denied: NHI-RT-008)."""
    return [
        record(
            CHECKOUT,
            "ec2.amazonaws.com",
            "RunInstances",
            at + timedelta(minutes=m),
            region=NEW_REGION,
            source_ip=NEW_NETWORK_IP,
            user_agent="aws-cli/2.17.20",
            error_code="Client.UnauthorizedOperation",
            request_parameters={"instanceType": "p4d.24xlarge", "minCount": 1, "maxCount": 1},
        )
        for m in (2, 3, 5)
    ]


def write_trail_day(
    s3: Any, trail: TrailConfig, day: date, regions: list[str], keys: DemoKeys, *, planted: bool
) -> int:
    """Every hour of `day` in every region: one log object each. Returns the number of objects written."""
    written = 0
    for region in regions:
        for hour in range(24):
            at = datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)
            records = _ordinary(at, region, keys) + (_planted(at, region, keys) if planted else [])
            put_log_object(s3, trail, ACCOUNT, region, at + timedelta(minutes=55), records)
            written += 1
    return written


@dataclass(frozen=True)
class DemoTrail:
    trail: TrailConfig
    keys: DemoKeys


def seed_trail(endpoint: str, now: datetime, regions: list[str]) -> DemoTrail:
    """The KMS keys, the bucket and both covered days: yesterday's partition covers day -2, today's covers day -1
    (planted, including one hour in a region the configuration does not name)."""
    keys = seed_keys(endpoint)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    trail = demo_trail()
    s3.create_bucket(Bucket=trail.bucket)
    write_trail_day(s3, trail, (now - timedelta(days=2)).date(), regions, keys, planted=False)
    covered = (now - timedelta(days=1)).date()
    write_trail_day(s3, trail, covered, regions, keys, planted=True)
    at = datetime(covered.year, covered.month, covered.day, 4, 0, tzinfo=UTC)
    put_log_object(s3, trail, ACCOUNT, NEW_REGION, at + timedelta(minutes=55), new_region_records(at))
    return DemoTrail(trail, keys)


def history_activity(days: list[date], regions: list[str], keys: DemoKeys) -> dict[date, pd.DataFrame]:
    """Covered day -> the activity table of that day's ordinary traffic, for the days before the trail's two.

    One day is reduced with the real reduction (collect/activity.py) and its times shifted for each day: the
    learned baseline keeps what each identity did, not when, so the days need not be generated one by one."""
    if not days:
        return {}
    template = days[0]
    frames = []
    with tempfile.TemporaryDirectory(prefix="demo-history-") as scratch:
        for region in regions:
            records = []
            for hour in range(24):
                at = datetime(template.year, template.month, template.day, hour, 0, tzinfo=UTC)
                records += _ordinary(at, region, keys)
            path = Path(scratch) / f"{region}.json.gz"
            path.write_bytes(log_object(records))
            frame = reduce_files([path]).activity
            frame.insert(0, "region", region)
            frame.insert(0, "account_id", ACCOUNT)
            frames.append(frame)
    reduced = pd.concat(frames, ignore_index=True)
    shifted = {}
    for day in days:
        offset = pd.Timedelta(days=(day - template).days)
        first, last = reduced["first_seen"] + offset, reduced["last_seen"] + offset
        shifted[day] = reduced.assign(first_seen=first, last_seen=last)
    return shifted
