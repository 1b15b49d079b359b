"""Benchmark: HTTP requests and wall time of one account's collection as the estate grows.

Seeds N identities (about 60 % users with access keys, 40 % roles) plus N/10 secrets straight into moto's
in-process backends (seeding 5,000 principals over HTTP would take longer than the collection being measured),
serves them from a ThreadedMotoServer on 127.0.0.1, points AWS_ENDPOINT_URL at it and runs collect_account
through the real HTTP stack. Prints requests per API, total requests and wall seconds for each N.

Caveats, printed too: moto never truncates GetAccountAuthorizationDetails, so it always answers in one page
(real IAM pages at MaxItems=1000, i.e. about N/1000 + 1 requests); and the wall time includes one credential
report poll delay (moto answers the first GenerateCredentialReport with STARTED).

Run: python benchmarks/bench_collect.py [--sizes 100,1000,5000]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import time
import urllib.request
from typing import Any

import boto3
from moto.iam.models import iam_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.server import ThreadedMotoServer

from assurance_jobs.collect.aws import collect_account
from assurance_jobs.collect.requests import RequestCounter
from assurance_jobs.config import AccountConfig
from assurance_jobs.sources import registry

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).close()


def seed(n: int) -> dict[str, int]:
    """Create the estate directly in moto's backends (same process as the server)."""
    iam = iam_backends[ACCOUNT_ID]["aws"]
    policy = iam.create_policy("", "/", POLICY, "read-buckets", [])
    users = n * 6 // 10
    for index in range(users):
        name = f"svc-user-{index:05d}"
        iam.create_user(REGION, name, tags=[{"Key": "owner", "Value": "team@example.com"}])
        iam.create_access_key(name)
        if index % 3 == 0:
            iam.attach_user_policy(policy.arn, name)
    for index in range(n - users):
        name = f"svc-role-{index:05d}"
        iam.create_role(name, TRUST, "/", None, "", [], "3600")
        if index % 2 == 0:
            iam.attach_role_policy(policy.arn, name)
    secrets = secretsmanager_backends[ACCOUNT_ID][REGION]
    for index in range(n // 10):
        secrets.create_secret(f"app/secret-{index:05d}", "not-a-real-value", None, None, None, None, None, [], False)
    return {"users": users, "roles": n - users, "secrets": n // 10}


def measure(n: int, endpoint: str) -> dict[str, Any]:
    reset(endpoint)
    estate = seed(n)
    session = boto3.Session(region_name=REGION)
    counter = RequestCounter().attach(session)
    started = time.perf_counter()
    blobs, statuses, account_id = collect_account(
        session, AccountConfig(name="bench", regions=[REGION]), registry.aws_sources(), max_attempts=5
    )
    seconds = time.perf_counter() - started
    not_ok = [f"{s.source}:{s.status}" for s in statuses if s.status != "ok"]
    details = next(s for s in statuses if s.source == "iam_authorization_details")
    size = sum(len(blob.content) for blob in blobs)
    return {
        "n": n,
        **estate,
        "counts": dict(counter.counts),
        "total": counter.total,
        "seconds": seconds,
        "authz_pages": details.pages,
        "bytes": size,
        "not_ok": not_ok,
        "account": account_id,
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    apis = sorted({api for row in rows for api in row["counts"]})
    print(f"{'':42}" + "".join(f"{'N=' + str(row['n']):>16}" for row in rows))
    estates = "".join(f"{row['users']}/{row['roles']}/{row['secrets']}".rjust(16) for row in rows)
    print(f"{'users / roles / secrets':42}{estates}")
    for api in apis:
        print(f"{api:42}" + "".join(f"{row['counts'].get(api, 0):>16}" for row in rows))
    for label, key, fmt in (
        ("total HTTP requests", "total", "{:>16}"),
        ("authorization-details pages (moto: 1)", "authz_pages", "{:>16}"),
        ("snapshot bytes", "bytes", "{:>16,}"),
        ("wall seconds", "seconds", "{:>16.2f}"),
    ):
        print(f"{label:42}" + "".join(fmt.format(row[key]) for row in rows))
    for row in rows:
        if row["not_ok"]:
            print(f"N={row['n']}: sources not ok: {', '.join(row['not_ok'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="comma-separated identity counts")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
    )
    os.environ.pop("AWS_PROFILE", None)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        rows = []
        for n in sizes:
            rows.append(measure(n, endpoint))
            print(f"measured N={n} in {rows[-1]['seconds']:.2f} s", flush=True)
        print()
        print_table(rows)
        print("\nmoto never truncates authorization details (1 page at any N); real IAM pages at MaxItems=1000.")
        print("wall seconds include client set-up (service models) and one 0.5 s credential-report poll delay")
        print("(moto answers the first GenerateCredentialReport with STARTED).")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
