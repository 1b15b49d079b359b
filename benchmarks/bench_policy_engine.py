"""Benchmark the policy engine (run on demand: ``python benchmarks/bench_policy_engine.py [principals]``).

Prints the catalogue load time and the time of ``policy_facts_for`` over N principals (default 5,000), each with
two shared managed policies, one group policy and one unique inline policy (unique text defeats the per-document
cache: the realistic worst case), plus a trust policy per role.
"""

from __future__ import annotations

import json
import random
import sys
import time

import pandas as pd

ACCOUNT = "111111111111"
SERVICES = ["s3", "sqs", "sns", "dynamodb", "lambda", "ec2", "iam", "kms", "logs", "cloudwatch"]
VERBS = ["Get*", "List*", "Put*", "Describe*", "Create*", "Delete*", "*"]


def _doc(rng: random.Random, n: int, tag: str) -> str:
    statements = [
        {
            "Sid": f"{tag}{i}",
            "Effect": rng.choice(["Allow", "Allow", "Allow", "Deny"]),
            "Action": [f"{rng.choice(SERVICES)}:{rng.choice(VERBS)}" for _ in range(3)],
            "Resource": rng.choice(["*", f"arn:aws:s3:::bucket-{tag}/*"]),
        }
        for i in range(n)
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _trust(rng: random.Random) -> str:
    principal = rng.choice([{"Service": "lambda.amazonaws.com"}, {"AWS": "arn:aws:iam::222222222222:root"}, "*"])
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def tables(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = random.Random(7)
    managed = [_doc(rng, 4, f"m{i}") for i in range(60)]
    rows, arns = [], []
    for i in range(n):
        arn = f"arn:aws:iam::{ACCOUNT}:role/r{i}"
        arns.append(arn)
        docs = [("managed", d) for d in rng.sample(managed, 2)] + [("group_managed", rng.choice(managed))]
        docs += [("inline", _doc(rng, 3, f"i{i}")), ("trust", _trust(rng))]
        rows += [
            {"account_id": ACCOUNT, "principal_arn": arn, "attachment": a, "document": d, "parse_error": None}
            for a, d in docs
        ]
    return pd.DataFrame(rows), pd.DataFrame({"account_id": [ACCOUNT] * n, "arn": arns})


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    from assurance_jobs.scan import actions
    from assurance_jobs.scan.principal_permissions import policy_facts_for

    start = time.perf_counter()
    cat = actions.catalogue()
    print(f"catalogue: {len(cat.names)} actions loaded from {cat.source} in {time.perf_counter() - start:.2f}s")
    policies, identities = tables(n)
    start = time.perf_counter()
    facts = policy_facts_for(policies, identities, known_accounts=[])
    elapsed = time.perf_counter() - start
    print(f"policy_facts_for: {n} principals, {len(policies)} policy rows in {elapsed:.2f}s")
    print(f"admin={int(facts.effective_admin.sum())} privesc={int((facts.privesc_method_count > 0).sum())}")


if __name__ == "__main__":
    main()
