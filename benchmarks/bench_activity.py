"""Benchmark the CloudTrail reduction: synthetic records in gzip log objects (the real key layout) → activity table.

Run on demand: `python benchmarks/bench_activity.py [--sizes 1000000 10000000] [--keep DIR]`. For each size the
log objects are generated first (one process, not timed), then reduced in a fresh subprocess so its peak RSS is
its own. Records are realistic in shape (full userIdentity with session context, tlsDetails, request parameters)
and in spread (2,000 principals, 40 event names, 500 networks, 20 KMS keys, 5 % errors), 24 hourly objects per region.
Target on 2 cores: ≥ 200,000 records/s and ≤ 2 GB peak RSS at 10M records.
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
from datetime import UTC, datetime
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--reduce-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reduce_only:
        print(json.dumps(reduce_in_this_process(args.reduce_only)))
        return
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
