"""Benchmark the privilege-escalation graph (on demand: ``python benchmarks/bench_privesc.py [1000 10000 50000]``).

A realistic estate per size N, spread over three accounts: 70 % roles, 30 % users; each principal has two shared
managed policies (from a pool of 80) and one unique inline policy (unique text defeats the per-document caches: the
realistic worst case). Trust fan-in: 5 % of roles trust their account root, 3 % name a principal explicitly,
2 % trust another account's root, the rest trust a compute service. Of the shared policies, some grant
sts:AssumeRole on "*" or on a path, iam:PassRole with a compute action, scoped IAM writes, or SSM commands; 0.5 % of
principals are administrators. Prints principals/s for building the graph and finding every principal's path and
blast radius (``escalations``), plus the peak resident memory of the process. Target: 10k principals <= 10 s,
<= 2 GB.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from datetime import UTC, datetime

ACCOUNTS = ["111111111111", "222222222222", "333333333333"]
SERVICES = ["lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com"]
TAKEN_AT = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(actions: list[str] | str, resource: str | list[str] = "*") -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def _shared_policies(rng: random.Random) -> list[str]:
    """80 shared managed policies: mostly workload permissions, some that open escalation routes."""
    routes = [
        _allow("sts:AssumeRole"),
        _allow("sts:AssumeRole", "arn:aws:iam::*:role/deploy-*"),
        _allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "*"),
        _allow(["iam:PassRole"], "arn:aws:iam::*:role/app-*"),
        _allow(["iam:PutRolePolicy"], "arn:aws:iam::*:role/sandbox-*"),
        _allow(["iam:CreateAccessKey"], "arn:aws:iam::*:user/svc-*"),
        _allow(["ssm:SendCommand"], "*"),
    ]
    workload = [
        _allow(
            [
                f"{s}:{v}"
                for s, v in zip(
                    rng.sample(["s3", "sqs", "sns", "dynamodb", "logs", "kms"], 3),
                    rng.sample(["Get*", "List*", "Put*", "Describe*"], 3),
                    strict=True,
                )
            ],
            f"arn:aws:s3:::bucket-{i}/*",
        )
        for i in range(80 - len(routes))
    ]
    return [_doc(s) for s in routes + workload]


def _trust(rng: random.Random, account: str, arns: list[str]) -> str:
    roll = rng.random()
    if roll < 0.05:
        principal: dict | str = {"AWS": f"arn:aws:iam::{account}:root"}
    elif roll < 0.08 and arns:
        principal = {"AWS": rng.choice(arns)}
    elif roll < 0.10:
        principal = {"AWS": f"arn:aws:iam::{rng.choice([a for a in ACCOUNTS if a != account])}:root"}
    else:
        principal = {"Service": rng.choice(SERVICES)}
    return _doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def principals(n: int) -> list:
    from assurance_jobs.scan.grants import Grants, grants_of
    from assurance_jobs.scan.policy import effective_permissions
    from assurance_jobs.scan.privesc_graph import Principal

    rng = random.Random(7)
    shared = _shared_policies(rng)
    result, arns = [], []
    for i in range(n):
        account = ACCOUNTS[i % len(ACCOUNTS)]
        kind = "role" if rng.random() < 0.7 else "user"
        prefix = rng.choice(["app-", "deploy-", "sandbox-", "svc-", "etl-"])
        name = f"{prefix}{i}"
        arn = f"arn:aws:iam::{account}:{kind}/{name}"
        admin = rng.random() < 0.005
        docs = [_doc(_allow("*"))] if admin else rng.sample(shared, 2)
        docs.append(_doc(_allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::own-{i}/*")))
        grants = Grants([g for d in docs for g in grants_of(d, TAKEN_AT)], None)
        trust = (_trust(rng, account, arns[-200:]),) if kind == "role" else ()
        result.append(Principal(arn, account, kind, name, grants, effective_permissions(docs).effective_admin, trust))
        arns.append(arn)
    return result


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def run(n: int) -> None:
    from assurance_jobs.scan.privesc_graph import escalations

    started = time.perf_counter()
    estate = principals(n)
    built, cpu = time.perf_counter(), time.process_time()
    results = escalations(estate, TAKEN_AT)
    done, cpu = time.perf_counter(), time.process_time() - cpu
    flagged = sum(1 for r in results.values() if r.path)
    exposed = max((r.reachable_count for r in results.values()), default=0)
    graph_s = done - built
    print(
        f"{n:>6} principals: estate {built - started:6.2f} s, graph+paths {graph_s:6.2f} s "
        f"({n / graph_s:6.0f} principals/s; CPU {cpu:6.2f} s, {n / cpu:6.0f} principals/CPU-s), "
        f"flagged {flagged}, largest blast radius {exposed}, "
        f"peak RSS {_peak_mb():7.0f} MB"
    )


def main() -> None:
    from assurance_jobs.scan import actions

    actions.catalogue()  # load once, outside the measurement
    for n in [int(a) for a in sys.argv[1:]] or [1000, 10000]:
        run(n)


if __name__ == "__main__":
    main()
