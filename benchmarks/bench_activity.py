"""Benchmark the CloudTrail reduction and the learned baseline built on its stored days.

Run on demand: `python benchmarks/bench_activity.py [--sizes 1000000 10000000] [--keep DIR] [--learned-nhis 10000]
[--noise-nhis 1000] [--days 30]` (`--sizes` with no value skips the reduction). Each measurement runs in a fresh
subprocess so its peak RSS is its own.

* Reduction: for each size the log objects are generated first (not timed), then reduced. Records are realistic in
  shape (full userIdentity with session context, tlsDetails, request parameters) and in spread (2,000 principals,
  40 event names, 500 networks, 20 KMS keys, 5 % errors), 24 hourly objects per region. Target on 2 cores:
  ≥ 200,000 records/s and ≤ 2 GB peak RSS at 10M records.
* Learned baseline: `--days` days of stored activity for `--learned-nhis` NHIs are written through the inventory
  step's own `store_activity_history` (activity table, profile, coverage; not timed), then the part of the daily
  inventory step that judges the covered day against them is timed — `learned_history` (read the window's
  profiles, their union) and `learned_identity_facts` (every NHI's learned facts, coverage, granted vs used).
  Target on 2 cores: ≤ 10 s and ≤ 2 GB peak RSS at 10,000 NHIs × 30 days. The source note's citation of those
  files (a second read, to hash them) is timed apart as `history_citation_seconds`.
* Noise budget: `--noise-nhis` NHIs with ordinary day-to-day variation (addresses rotating inside their /24, a
  weekly job, a new Lambda version's user agent, secrets / roles / keys used as usual) are stored day by day, and
  each day after `learned_baseline_min_days` is judged like the daily run would; the learned rules may raise at
  most 1 finding per 1,000 NHIs per day. (CloudTrail records no source port, so new ports cannot matter.)
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")
EVENTS = (
    [("s3.amazonaws.com", n) for n in ("GetObject", "PutObject", "ListObjects", "HeadObject", "DeleteObject")]
    + [("dynamodb.amazonaws.com", n) for n in ("GetItem", "PutItem", "Query", "Scan", "UpdateItem", "BatchWriteItem")]
    + [("sts.amazonaws.com", n) for n in ("AssumeRole", "GetCallerIdentity")]
    + [("kms.amazonaws.com", n) for n in ("Decrypt", "Encrypt", "GenerateDataKey")]
    + [
        ("secretsmanager.amazonaws.com", "GetSecretValue"),
        ("ssm.amazonaws.com", "GetParameter"),
        ("lambda.amazonaws.com", "Invoke"),
        ("sqs.amazonaws.com", "SendMessage"),
        ("sqs.amazonaws.com", "ReceiveMessage"),
        ("sqs.amazonaws.com", "DeleteMessage"),
        ("iam.amazonaws.com", "ListRoles"),
        ("iam.amazonaws.com", "GetRole"),
        ("ec2.amazonaws.com", "DescribeInstances"),
        ("ec2.amazonaws.com", "DescribeSecurityGroups"),
        ("logs.amazonaws.com", "PutLogEvents"),
        ("monitoring.amazonaws.com", "PutMetricData"),
        ("bedrock.amazonaws.com", "InvokeModel"),
        ("ecr.amazonaws.com", "GetAuthorizationToken"),
        ("cloudformation.amazonaws.com", "DescribeStacks"),
        ("events.amazonaws.com", "PutEvents"),
        ("sns.amazonaws.com", "Publish"),
        ("glue.amazonaws.com", "GetTable"),
        ("athena.amazonaws.com", "StartQueryExecution"),
        ("signin.amazonaws.com", "ConsoleLogin"),
    ]
)
AGENTS = [
    "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux",
    "aws-cli/2.17.20 Python/3.11.9",
    "aws-sdk-java/2.25.0",
    "console.amazonaws.com",
    "Mozilla/5.0 (X11; Linux x86_64)",
    "lambda.amazonaws.com",
]
PER_OBJECT = 5000
POOL = 20_000  # distinct records generated; objects sample from them (reduction cost is per record either way)


def _records(n: int, rng: random.Random, day: datetime, region: str) -> list[str]:
    """n records as JSON texts (the shape CloudTrail writes), cheaply: a template with the varying parts."""
    out = []
    for i in range(n):
        principal = rng.randrange(2000)
        source, name = EVENTS[rng.randrange(len(EVENTS))]
        role = principal % 3 != 0
        identity = (
            {
                "type": "AssumedRole",
                "principalId": f"AROA{principal:016d}:s",
                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app-{principal}/session-{i % 97}",
                "accountId": ACCOUNT,
                "accessKeyId": "ASIAEXAMPLE",
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": f"AROA{principal:016d}",
                        "arn": f"arn:aws:iam::{ACCOUNT}:role/app-{principal}",
                        "accountId": ACCOUNT,
                        "userName": f"app-{principal}",
                    },
                    "attributes": {"creationDate": "2026-11-30T00:00:00Z", "mfaAuthenticated": "false"},
                },
            }
            if role
            else {
                "type": "IAMUser",
                "principalId": f"AIDA{principal:016d}",
                "arn": f"arn:aws:iam::{ACCOUNT}:user/svc-{principal}",
                "accountId": ACCOUNT,
                "accessKeyId": "AKIAEXAMPLE",
                "userName": f"svc-{principal}",
            }
        )
        network = (principal * 7 + rng.randrange(3)) % 500
        record = {
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventTime": f"{day:%Y-%m-%d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": f"10.{network // 250}.{network % 250}.7",
            "userAgent": AGENTS[principal % len(AGENTS)],
            "requestParameters": {"bucketName": "acme-data", "key": f"objects/{i}.json", "withDecryption": i % 2 == 0},
            "responseElements": None,
            "requestID": f"{rng.getrandbits(64):016x}",
            "eventID": f"{rng.getrandbits(128):032x}",
            "readOnly": True,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com",
            },
        }
        if source == "kms.amazonaws.com":
            key = f"arn:aws:kms:{region}:{ACCOUNT}:key/{principal % 20:08d}-0000-0000-0000-000000000000"
            record["resources"] = [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key}]
        if network < 40:
            record["vpcEndpointId"] = f"vpce-{network:08x}"
        if rng.random() < 0.05:
            record["errorCode"] = "AccessDenied"
            record["errorMessage"] = "not authorized"
        out.append(json.dumps(record, separators=(",", ":")))
    return out


def generate(root: Path, total: int, seed: int = 7) -> list[Path]:
    """`total` records in hourly objects per region under root/AWSLogs/<account>/CloudTrail/<region>/2026/11/30/."""
    rng = random.Random(seed)
    day = datetime(2026, 11, 30, tzinfo=UTC)
    objects = max(1, total // PER_OBJECT)
    pools = {region: _records(min(POOL, total), rng, day, region) for region in REGIONS}
    paths = []
    for index in range(objects):
        region = REGIONS[index % len(REGIONS)]
        hour = (index // len(REGIONS)) % 24
        folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / "2026" / "11" / "30"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{ACCOUNT}_CloudTrail_{region}_20261130T{hour:02d}{index % 60:02d}Z_{index:016x}.json.gz"
        n = PER_OBJECT if index < objects - 1 else total - PER_OBJECT * (objects - 1)
        body = '{"Records":[' + ",".join(rng.choices(pools[region], k=n)) + "]}"
        path = folder / name
        path.write_bytes(gzip.compress(body.encode(), compresslevel=1))
        paths.append(path)
    return paths


def reduce_in_this_process(root: Path) -> dict[str, float]:
    from assurance_jobs.collect.activity import reduce_files

    paths = sorted(root.rglob("*.json.gz"))
    started = time.perf_counter()
    reduction = reduce_files(paths, threads=2, memory_limit="1536MB")
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "records": reduction.records,
        "objects": len(paths),
        "activity_rows": len(reduction.activity),
        "seconds": round(elapsed, 2),
        "records_per_second": round(reduction.records / elapsed),
        "peak_rss_mb": round(peak_kib / 1024),
        "compressed_mb": round(sum(p.stat().st_size for p in paths) / 2**20, 1),
    }


# ------------------------------------------------------------------------------------------ learned baseline

LEARNED_DAY = datetime(2026, 12, 31, 6, tzinfo=UTC)
SERVICES = {
    "dynamodb.amazonaws.com": ("GetItem", "PutItem", "Query", "UpdateItem"),
    "s3.amazonaws.com": ("GetObject", "PutObject", "ListObjectsV2"),
    "sqs.amazonaws.com": ("SendMessage", "ReceiveMessage", "DeleteMessage"),
    "logs.amazonaws.com": ("PutLogEvents", "CreateLogStream"),
    "lambda.amazonaws.com": ("Invoke",),
    "ssm.amazonaws.com": ("GetParameter",),
}
WEEKLY = [
    ("s3.amazonaws.com", "PutObject"),
    ("ssm.amazonaws.com", "GetParameter"),
    ("ec2.amazonaws.com", "DescribeInstances"),
]
LAMBDA_AGENTS = [f"Boto3/1.35.{v} md/Botocore#1.35.{v} ua/2.0 exec-env/AWS_Lambda_python3.12" for v in range(30, 40)]


def _nhi(i: int) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/app-{i:05d}"


def ordinary_day(nhis: int, day: int, seed: int = 11) -> pd.DataFrame:
    """One stored day of ordinary activity: each NHI's daily calls from its own /24 (the address rotating inside
    it), in its own region; a weekly job on its weekday; a new Lambda version's user agent from day 10 on for a
    third of them; secrets, roles and keys used as every day. Deterministic per (seed, NHI), random per day."""
    import numpy as np

    rng = np.random.default_rng(seed * 1000 + day)
    rows = []
    sources = list(SERVICES)
    for i in range(nhis):
        profile = random.Random(seed * 100_000 + i)  # what the NHI is: stable across days
        home = f"10.{i // 250 % 250}.{i % 250}"
        region = REGIONS[i % len(REGIONS)]
        agent = LAMBDA_AGENTS[(i % 7) + (2 if day >= 10 and i % 3 == 0 else 0)]
        calls = [(s, n) for s in profile.sample(sources, 2) for n in SERVICES[s]]
        if i % 4 == 0 and day % 7 == i % 7:
            calls.append(WEEKLY[i % len(WEEKLY)])
        if i % 5 == 0:
            calls.append(("secretsmanager.amazonaws.com", "GetSecretValue"))
        if i % 6 == 0:
            calls.append(("sts.amazonaws.com", "AssumeRole"))
        if i % 3 == 1:
            calls.append(("kms.amazonaws.com", "Decrypt"))
        for source, name in calls:
            target = None
            if name == "GetSecretValue":
                target = f"prod/app-{i:05d}/db"
            if name == "AssumeRole":
                target = f"arn:aws:iam::{ACCOUNT}:role/app-{i:05d}-worker"
            key = f"arn:aws:kms:{region}:{ACCOUNT}:key/{i:08d}-0000" if source == "kms.amazonaws.com" else None
            rows.append(
                (
                    region,
                    _nhi(i),
                    source,
                    name,
                    f"{home}.{int(rng.integers(1, 255))}",
                    agent,
                    target,
                    key,
                    name == "GetSecretValue" or name == "Decrypt",
                    int(rng.integers(1, 500)),
                )
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "region",
            "principal_arn",
            "event_source",
            "event_name",
            "network",
            "ua",
            "target",
            "kms_key_arn",
            "secret_read",
            "event_count",
        ],
    )
    return _activity_table(frame, day)


def _activity_table(frame: pd.DataFrame, day: int) -> pd.DataFrame:
    from assurance_jobs.scan.sources.cloudtrail_activity import typed

    at = pd.Timestamp(LEARNED_DAY) - pd.Timedelta(days=31 - day)
    return typed(
        frame.assign(
            account_id=ACCOUNT,
            principal_type="AssumedRole",
            user_agent_class="sdk",
            error_code="",
            source_ip=None,
            endpoint_account_id=None,
            first_seen=at,
            last_seen=at + pd.Timedelta(hours=20),
        ).drop(columns="ua")
    )


def _identities(nhis: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ACCOUNT,
            "arn": [_nhi(i) for i in range(nhis)],
            "is_nhi": True,
            "is_service_linked": False,
            "created": pd.Timestamp("2025-01-01", tz="UTC"),
        }
    )


def _permissions(nhis: int) -> dict:
    """Each NHI holds one of a few scoped policies (shared masks, as in real estates)."""
    from assurance_jobs.scan.policy import effective_permissions, parse_policy

    documents = []
    for k, source in enumerate(SERVICES):
        prefix = source.split(".")[0]
        allowed = [f"{prefix}:*", "kms:Decrypt", "secretsmanager:GetSecretValue", "sts:AssumeRole", f"ec2:Describe{k}*"]
        statement = {"Effect": "Allow", "Action": allowed, "Resource": "*"}
        documents.append(effective_permissions([parse_policy({"Version": "2012-10-17", "Statement": [statement]})]))
    return {_nhi(i): documents[i % len(documents)] for i in range(nhis)}


def _config(root: Path):
    from assurance_jobs.config import parse_config

    return parse_config({"storage_root": str(root), "accounts": [{"name": "bench"}]})


def _store_days(config, nhis: int, days: range) -> None:
    from assurance_jobs.steps.inventory import store_activity_history

    for day in days:
        partition = LEARNED_DAY.date() - timedelta(days=31 - day)
        store_activity_history(config, partition, ordinary_day(nhis, day), [ACCOUNT], [ACCOUNT])


def _judge_day(config, nhis: int, day: int, identities, permissions):
    """What the daily inventory step does for the learned baseline on one covered day."""
    from assurance_jobs.scan.runtime import RuntimeEvidence
    from assurance_jobs.scan.runtime_learned import learned_identity_facts
    from assurance_jobs.steps.inventory import learned_history

    partition = LEARNED_DAY.date() - timedelta(days=31 - day)
    activity = ordinary_day(nhis, day)
    evidence = RuntimeEvidence(activity, frozenset({ACCOUNT}))
    as_of = LEARNED_DAY - timedelta(days=31 - day)
    started, cpu = time.perf_counter(), time.process_time()
    history = learned_history(config, partition, evidence, identities, as_of)
    read = time.perf_counter() - started
    facts = learned_identity_facts(identities, activity, frozenset({ACCOUNT}), history, {}, permissions)
    return facts, read, time.perf_counter() - started, time.process_time() - cpu


def learned_in_this_process(root: Path, nhis: int, days: int) -> dict[str, float]:
    config = _config(root)
    identities, permissions = _identities(nhis), _permissions(nhis)
    facts, read, total, cpu = _judge_day(config, nhis, days + 1, identities, permissions)
    judged = facts[facts["rt_judged_by"] == "learned"]
    citing = _cite_history(config, days + 1)
    return {
        "nhis": nhis,
        "days_stored": days,
        "profile_rows_per_day": len(pd_profile_rows(root)),
        "read_and_union_seconds": round(read, 2),
        "seconds": round(total, 2),
        "cpu_seconds": round(cpu, 2),
        "judged_by_learned": len(judged),
        "history_citation_seconds": round(citing, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _cite_history(config, day: int) -> float:
    """The source note's second pass over the window (hashing the history files the rules have just read), timed."""
    from assurance_jobs.snapshot.storage import storage_for
    from assurance_jobs.steps.inventory import history_citations

    started = time.perf_counter()
    history_citations(config, storage_for(config.storage_root), LEARNED_DAY.date() - timedelta(days=31 - day))
    return time.perf_counter() - started


def pd_profile_rows(root: Path):
    from assurance_jobs.parquet import read_parquet

    first = sorted((root / "activity").iterdir())[0]
    return read_parquet((first / "profile.parquet").read_bytes())


def noise_in_this_process(root: Path, nhis: int, days: int) -> dict[str, float]:
    config = _config(root)
    identities, permissions = _identities(nhis), _permissions(nhis)
    findings, judged_days = 0, 0
    for day in range(1, days + 1):
        if day > config.learned_baseline_min_days:
            facts = _judge_day(config, nhis, day, identities, permissions)[0]
            counts = facts[["rt_secret_reads_new_network_count", "rt_first_sensitive_use_count", "rt_new_region_count"]]
            findings += int((counts.fillna(0) > 0).sum().sum())
            judged_days += 1
        _store_days(config, nhis, range(day, day + 1))
    return {
        "nhis": nhis,
        "days": days,
        "days_judged": judged_days,
        "findings": findings,
        "findings_per_1000_nhis_per_day": round(findings / (nhis * judged_days) * 1000, 3) if judged_days else None,
    }


def _child(*arguments: str) -> dict:
    child = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True, check=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it (reused when it exists)")
    parser.add_argument("--learned-nhis", type=int, default=10_000, help="0 skips the learned-baseline step")
    parser.add_argument("--noise-nhis", type=int, default=1_000, help="0 skips the noise budget")
    parser.add_argument("--days", type=int, default=30, help="stored days of activity")
    parser.add_argument("--reduce-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--learned-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--noise-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reduce_only:
        print(json.dumps(reduce_in_this_process(args.reduce_only)))
        return
    if args.learned_only:
        print(json.dumps(learned_in_this_process(args.learned_only, args.learned_nhis, args.days)))
        return
    if args.noise_only:
        print(json.dumps(noise_in_this_process(args.noise_only, args.noise_nhis, args.days)))
        return
    _reductions(args)
    if args.learned_nhis:
        root = args.keep / f"learned-{args.learned_nhis}-{args.days}" if args.keep else None
        root = root or Path(tempfile.mkdtemp(prefix="bench-learned-"))
        started = time.perf_counter()
        if not (root / "activity").is_dir():
            _store_days(_config(root), args.learned_nhis, range(1, args.days + 1))
        stored = round(time.perf_counter() - started, 1)
        figures = _child(
            "--learned-only", str(root), "--learned-nhis", str(args.learned_nhis), "--days", str(args.days)
        )
        print(json.dumps({"step": "learned baseline", "store_seconds": stored, **figures}))
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    if args.noise_nhis:
        root = Path(tempfile.mkdtemp(prefix="bench-noise-"))
        figures = _child("--noise-only", str(root), "--noise-nhis", str(args.noise_nhis), "--days", str(args.days))
        print(json.dumps({"step": "noise budget", **figures}))
        shutil.rmtree(root, ignore_errors=True)


def _reductions(args: argparse.Namespace) -> None:
    for size in args.sizes:
        root = args.keep / str(size) if args.keep else Path(tempfile.mkdtemp(prefix="bench-activity-"))
        started = time.perf_counter()
        generate(root, size)
        generated = time.perf_counter() - started
        child = subprocess.run(
            [sys.executable, __file__, "--reduce-only", str(root)], capture_output=True, text=True, check=True
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(json.dumps({"size": size, "generate_seconds": round(generated, 1), **figures}))
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
