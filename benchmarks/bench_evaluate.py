"""Benchmark evaluate(): synthetic inventories of 10k, 100k and 1M credentials, about 10 % of rows failing.

Run on demand: `python benchmarks/bench_evaluate.py [--sizes 10000 100000 1000000]`. Each size runs in a fresh
subprocess so its peak RSS is its own (ru_maxrss never goes down within a process). The GX import is done and
timed before the clock starts, because it is paid once per process, not per evaluation. Target at 1M
credentials: evaluation <= 15 s and peak RSS <= 3 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from assurance_jobs.evaluate import EvaluationInputs, evaluate, load_suites
from assurance_jobs.evaluate import synthetic as s
from assurance_jobs.evaluate.gx_runner import _import_gx

ACCOUNTS = 10
REGIONS = ("eu-west-1", "us-east-1")
FAIL_RATE = 0.10
CREDENTIAL_KINDS = ("access_key", "console_password", "secret", "server_certificate")
KIND_WEIGHTS = (0.70, 0.10, 0.15, 0.05)


def _accounts(n: int, rng: np.random.Generator) -> np.ndarray:
    names = np.array([f"{100000000000 + i:012d}" for i in range(ACCOUNTS)], dtype=object)
    return names[rng.integers(0, ACCOUNTS, n)]


def _base_frame(schema: dict[str, str], n: int) -> dict[str, object]:
    """Every contract column present, healthy defaults overwritten below."""
    defaults: dict[str, object] = {}
    for name, dtype in schema.items():
        if dtype == "bool":
            defaults[name] = np.zeros(n, dtype=bool)
        elif dtype in ("int64", "Int64", "float64"):
            defaults[name] = np.zeros(n, dtype="float64" if dtype == "float64" else "int64")
        elif dtype.startswith("datetime64"):
            defaults[name] = np.full(n, s.TAKEN_AT - pd.Timedelta(days=30))
        else:
            defaults[name] = np.full(n, None, dtype=object)
    return defaults


def synthetic_identities(n: int, rng: np.random.Generator) -> pd.DataFrame:
    cols = _base_frame(s.IDENTITY_SCHEMA, n)
    accounts = _accounts(n, rng)
    is_role = rng.random(n) < 0.6
    kinds = np.where(is_role, "role", "user")
    arns = [f"arn:aws:iam::{a}:{k}/nhi-{i}" for i, (a, k) in enumerate(zip(accounts, kinds, strict=True))]
    fail = rng.random(n) < FAIL_RATE
    which = rng.integers(0, 6, n)
    cols.update(
        account_id=accounts,
        arn=np.array(arns, dtype=object),
        kind=kinds,
        name=np.array([arn.rsplit("/", 1)[1] for arn in arns], dtype=object),
        owner=np.where(fail & (which == 0), None, "team@example.com"),
        owner_status=np.where(fail & (which == 1), "departed", "active"),
        is_nhi=rng.random(n) < 0.97,
        classification_reason=np.full(n, "no human marker tag", dtype=object),
        max_session_seconds=np.where(is_role, np.where(fail & (which == 2), 43200.0, 3600.0), np.nan),
        days_since_last_use=np.where(fail & (which == 3), 120.0, 3.0),
        effective_admin=fail & (which == 4),
        privesc_method_count=(fail & (which == 5)).astype("int64"),
        privesc_methods=np.where(fail & (which == 5), "CreatePolicyVersion", ""),
        active_access_key_count=np.where(is_role, 0, 1),
        console_access=np.where(is_role, None, False),
        source_file=np.array([f"{a}/iam_authorization_details.json" for a in accounts], dtype=object),
        source_sha256=np.full(n, "0" * 64, dtype=object),
    )
    return _typed(cols, s.IDENTITY_SCHEMA)


def synthetic_credentials(n: int, owners: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    cols = _base_frame(s.CREDENTIAL_SCHEMA, n)
    kinds = rng.choice(np.array(CREDENTIAL_KINDS, dtype=object), n, p=KIND_WEIGHTS)
    pick = rng.integers(0, len(owners), n)
    owner_arns = owners["arn"].to_numpy(dtype=object)[pick]
    accounts = owners["account_id"].to_numpy(dtype=object)[pick]
    is_secret, is_cert = kinds == "secret", kinds == "server_certificate"
    regions = np.where(is_secret, np.array(REGIONS, dtype=object)[rng.integers(0, 2, n)], None)
    fail = rng.random(n) < FAIL_RATE
    ids = [f"{arn}/{kind}_{i}" for i, (arn, kind) in enumerate(zip(owner_arns, kinds, strict=True))]
    cols.update(
        account_id=accounts,
        credential_id=np.array(ids, dtype=object),
        kind=kinds,
        owner_arn=np.where(is_secret | is_cert, None, owner_arns),
        region=regions,
        active=np.ones(n, dtype=bool),
        owner_is_nhi=np.ones(n, dtype=bool),
        age_days=np.where(fail, 200.0, 20.0),
        days_since_last_use=np.where(fail, 60.0, 2.0),
        days_since_rotation=np.where(is_secret & fail, 200.0, 20.0),
        rotation_enabled=np.where(is_secret, ~(fail & (rng.random(n) < 0.5)), None),
        days_to_expiry=np.where(is_cert, np.where(fail, -5.0, 200.0), np.nan),
        expires=np.where(kinds == "console_password", np.where(fail, None, s.TAKEN_AT), None),
        source_file=np.where(is_secret, "secretsmanager_secrets.json", "iam_credential_report.csv"),
        source_sha256=np.full(n, "0" * 64, dtype=object),
    )
    return _typed(cols, s.CREDENTIAL_SCHEMA)


def _typed(columns: dict[str, object], schema: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for name, dtype in schema.items():
        if dtype != "object":
            frame[name] = frame[name].astype(dtype)
    return frame


def _statuses() -> pd.DataFrame:
    rows = [row for i in range(ACCOUNTS) for row in s.all_ok(f"{100000000000 + i:012d}", REGIONS)]
    return s.collection_status(rows)


def run_one(size: int) -> dict[str, float]:
    start = time.perf_counter()
    _import_gx()
    imported = time.perf_counter()
    rng = np.random.default_rng(size)
    identities = synthetic_identities(max(size // 2, 1), rng)
    credentials = synthetic_credentials(size, identities, rng)
    statuses = _statuses()
    suites = load_suites()
    built = time.perf_counter()
    evaluation = evaluate(
        EvaluationInputs(
            tables={"identities": identities, "credentials": credentials},
            collection_status=statuses,
            suites=suites,
            snapshot_id="20261125T060000Z-bench000",
            partition_date="2026-11-25",
            inputs_present=frozenset({"directory_feed"}),
        )
    )
    done = time.perf_counter()
    return {
        "credentials": size,
        "identities": len(identities),
        "findings": len(evaluation.findings),
        "gx_import_s": round(imported - start, 2),
        "build_s": round(built - imported, 2),
        "evaluate_s": round(done - built, 2),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
    print(f"{'credentials':>12} {'identities':>10} {'findings':>9} {'evaluate s':>10} {'peak RSS GB':>11}")
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True, env=env
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{row['credentials']:>12,} {row['identities']:>10,} {row['findings']:>9,} "
            f"{row['evaluate_s']:>10.2f} {row['peak_rss_gb']:>11.2f}   (GX import {row['gx_import_s']} s, "
            f"data build {row['build_s']} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
