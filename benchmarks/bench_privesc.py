"""Benchmark the least-privilege and escalation facts as the pipeline computes them, under an organization's SCPs.

Run on demand: ``python benchmarks/bench_privesc.py [--resources] [N ...]`` (default 1000 10000).

What it measures: ``scan.facts.inventory_with_policy_facts`` — the step the daily run executes after reading the
snapshot (effective permissions and LP-001/002 facts under the SCPs, trust facts, the escalation graph with its
paths, latent and undecidable methods and blast radius, joined onto the identities table). Reading the snapshot
and building the inventory frames are not measured (benchmarks/bench_policy_engine.py and the inventory's own
tests cover parsing); the estate is built in memory first and reported apart.

The estate per size N, spread over three member accounts of one organization: 70 % roles, 30 % users; each
principal has two shared managed policies (from a pool of 80) and one unique inline policy (unique text defeats
the per-document caches: the realistic worst case). Trust fan-in: 5 % of roles trust their account root, 3 % name a
principal explicitly, 2 % trust another account's root, the rest trust a compute service (half of the EC2 ones sit
in an instance profile). Shared policies open escalation routes (assume on "*", passrole + Lambda, scoped IAM
writes, credential and group methods) and latent or undecidable ones (passrole + ECS with no cluster inventory,
SSM, Lambda code updates, stack updates, builds); admin roles trust Lambda in the second account only, so the same
policy is a path there and latent elsewhere. 0.5 % of principals are administrators. 30 groups per account (a few
privileged), users with and without passwords and keys. The organization: SCPs at the root (FullAWSAccess, deny
leaving the organization) and at three OU levels below it (a deny on user creation, an allow-list without
ssm:StartSession, a region guard whose deny carries a condition, a deny of iam:PassRole in the deepest OU), RCPs
at the root. With ``--resources``: one Lambda function per 50 principals, running as a random role, collected.

Prints wall time, CPU time, principals per second, how many principals got a path / a latent / an undecidable
verdict, and the process's peak resident memory (estate included). Target (issue 22): 10k principals <= 10 s and
<= 2 GB on 2 cores.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time
from datetime import UTC, datetime
from typing import Any

import pandas as pd

ACCOUNTS = ["111111111111", "222222222222", "333333333333"]
MANAGEMENT = "999999999999"
ROOT_ID, WORKLOADS, PROD, PROD_EU = "r-ab12", "ou-ab12-workload", "ou-ab12-prod0001", "ou-ab12-proddeu1"
# Account 1 sits in the deepest OU, account 2 one level up, account 3 directly under the first OU.
ANCESTORS = {
    ACCOUNTS[0]: (ROOT_ID, WORKLOADS, PROD, PROD_EU),
    ACCOUNTS[1]: (ROOT_ID, WORKLOADS, PROD),
    ACCOUNTS[2]: (ROOT_ID, WORKLOADS),
    MANAGEMENT: (ROOT_ID,),
}
SERVICES = ["lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com"]
TAKEN_AT = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(actions: list[str] | str, resource: str | list[str] = "*", **extra: Any) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


def _deny(actions: list[str] | str, resource: str = "*", **extra: Any) -> dict:
    return {"Effect": "Deny", "Action": actions, "Resource": resource, **extra}


def _shared_policies(rng: random.Random) -> list[str]:
    """80 shared managed policies: mostly workload permissions, some escalation routes, some latent methods."""
    routes = [
        _allow("sts:AssumeRole"),
        _allow("sts:AssumeRole", "arn:aws:iam::*:role/deploy-*"),
        _allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]),
        _allow(["iam:PassRole"], "arn:aws:iam::*:role/app-*"),
        _allow(["iam:PutRolePolicy"], "arn:aws:iam::*:role/sandbox-*"),
        _allow(["iam:CreateAccessKey"], "arn:aws:iam::*:user/svc-*"),
        _allow(["iam:CreateLoginProfile", "iam:UpdateLoginProfile"], "arn:aws:iam::*:user/etl-*"),
        _allow(["iam:AddUserToGroup"], "arn:aws:iam::*:group/dev-*"),
        _allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]),
        _allow(["ssm:SendCommand", "ssm:StartSession"]),
        _allow(["lambda:UpdateFunctionCode", "lambda:InvokeFunction"]),
        _allow(["cloudformation:UpdateStack", "codebuild:StartBuild"]),
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


PROD_ALLOWED = ["iam:*", "sts:*", "lambda:*", "ecs:*", "ec2:*", "s3:*", "sqs:*", "sns:*", "dynamodb:*", "logs:*"]
PROD_ALLOWED += ["kms:*", "glue:*", "cloudformation:*", "codebuild:*", "ssm:SendCommand"]  # no ssm:StartSession


def _organization() -> Any:
    """SCPs at the root and three OU levels, RCPs at the root: as DescribePolicy + ListTargetsForPolicy give them."""
    from assurance_jobs.scan.privesc_org import RCP, SCP, Organization, OrganizationPolicy, PolicyTarget

    def attached(name: str, kind: str, document: dict, *targets: str) -> OrganizationPolicy:
        return OrganizationPolicy(f"p-{name}", name, kind, _doc(document), tuple(PolicyTarget(t) for t in targets))

    region_guard = {
        "Effect": "Deny",
        "NotAction": ["iam:*", "sts:*", "organizations:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}},
    }
    outside_org = {"StringNotEquals": {"aws:PrincipalOrgID": "o-example"}}
    policies = (
        attached("FullAWSAccess", SCP, _allow("*"), ROOT_ID, WORKLOADS, PROD_EU, *ACCOUNTS),
        attached("deny-leave", SCP, _deny("organizations:LeaveOrganization"), ROOT_ID),
        attached("deny-users", SCP, _deny(["iam:CreateUser", "iam:CreateLoginProfile"]), WORKLOADS),
        attached("prod-allow-list", SCP, _allow(PROD_ALLOWED), PROD),
        attached("region-guard", SCP, region_guard, PROD),
        attached("deny-passrole", SCP, _deny("iam:PassRole"), PROD_EU),
        attached("RCPFullAWSAccess", RCP, _allow("*"), ROOT_ID),
        attached("deny-outside-org", RCP, _deny("sts:AssumeRole", Condition=outside_org), ROOT_ID),
    )
    return Organization(MANAGEMENT, ANCESTORS, policies)


def _groups(account: str, shared: list[str]) -> list[Any]:
    """30 groups without members: every tenth grants admin, the others a shared policy."""
    from assurance_jobs.scan.privesc_inputs import IamGroup

    documents = [_doc(_allow("*")) if i % 10 == 0 else shared[12 + i] for i in range(30)]
    return [
        IamGroup(account, f"arn:aws:iam::{account}:group/dev-{i}", f"dev-{i}", (d,)) for i, d in enumerate(documents)
    ]


def _policy_row(account: str, arn: str, attachment: str, document: str, policy_arn: str | None) -> dict[str, Any]:
    return {
        "account_id": account,
        "principal_arn": arn,
        "attachment": attachment,
        "policy_name": None,
        "policy_arn": policy_arn,
        "via_group": None,
        "document": document,
        "parse_error": None,
    }


class _Estate:
    """The rows of the inventory tables, principal by principal."""

    def __init__(self, with_resources: bool) -> None:
        self.rng = random.Random(7)
        self.shared = _shared_policies(self.rng)
        self.with_resources = with_resources
        self.identities: list[dict[str, Any]] = []
        self.policies: list[dict[str, Any]] = []
        self.credentials: list[dict[str, Any]] = []
        self.profiles: dict[str, tuple[str, ...]] = {}
        self.functions: list[Any] = []
        self.arns: list[str] = []

    def add(self, i: int) -> None:
        rng, account = self.rng, ACCOUNTS[i % len(ACCOUNTS)]
        kind = "role" if rng.random() < 0.7 else "user"
        name = f"{rng.choice(['app-', 'deploy-', 'sandbox-', 'svc-', 'etl-'])}{i}"
        arn = f"arn:aws:iam::{account}:{kind}/{name}"
        # Admin roles trusting Lambda only in the second account: the same passrole policy is a path there.
        admin = rng.random() < 0.005 or (kind == "role" and account == ACCOUNTS[1] and i % 500 == 1)
        for document in [_doc(_allow("*"))] if admin else rng.sample(self.shared, 2):
            label = self.shared.index(document) if document in self.shared else "admin"
            self.policies.append(
                _policy_row(account, arn, "managed", document, f"arn:aws:iam::{account}:policy/{label}")
            )
        own = _doc(_allow(["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::own-{i}/*"))
        self.policies.append(_policy_row(account, arn, "inline", own, None))
        if kind == "role":
            self._role(i, account, arn, name, admin)
        else:
            self.credentials += [{"kind": "access_key", "owner_arn": arn}] * rng.choice([0, 1, 1, 2])
        console = kind == "user" and rng.random() < 0.3
        row = {"account_id": account, "arn": arn, "kind": kind, "name": name, "console_access": console}
        self.identities.append(row | {"is_service_linked": False, "groups": []})
        self.arns.append(arn)

    def _role(self, i: int, account: str, arn: str, name: str, admin: bool) -> None:
        rng = self.rng
        trust = _trust(rng, account, self.arns[-200:])
        if admin and account == ACCOUNTS[1]:
            lambda_trust = {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
            trust = _doc(lambda_trust)
        self.policies.append(_policy_row(account, arn, "trust", trust, None))
        if "ec2.amazonaws.com" in trust and rng.random() < 0.5:
            self.profiles[arn] = (f"arn:aws:iam::{account}:instance-profile/{name}",)
        if self.with_resources and rng.random() < 1 / 35:  # one function per 50 principals (70 % are roles)
            from assurance_jobs.scan.privesc_inputs import ExistingResource

            function = f"arn:aws:lambda:eu-west-1:{account}:function:fn-{i}"
            self.functions.append(ExistingResource("lambda_function", function, account, arn))


def inventory(n: int, with_resources: bool) -> tuple[Any, Any]:
    """(Inventory, ResourceInventory | None) of N principals, as the inventory step leaves them."""
    from assurance_jobs.scan.inventory import Inventory
    from assurance_jobs.scan.privesc_inputs import IamEstate, ResourceInventory

    estate = _Estate(with_resources)
    for i in range(n):
        estate.add(i)
    groups = tuple(g for account in ACCOUNTS for g in _groups(account, estate.shared))
    built = Inventory(
        pd.DataFrame(estate.identities),
        pd.DataFrame(estate.credentials, columns=["kind", "owner_arn"]),
        pd.DataFrame(estate.policies),
        pd.DataFrame(),
        iam_estate=IamEstate(groups, estate.profiles),
    )
    collected = frozenset((account, "lambda_function") for account in ACCOUNTS)
    return built, ResourceInventory(tuple(estate.functions), collected) if with_resources else None


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def run(n: int, with_resources: bool) -> None:
    from assurance_jobs.scan.policy_join import inventory_with_policy_facts

    started = time.perf_counter()
    estate, resources = inventory(n, with_resources)
    organization = _organization()
    built, cpu = time.perf_counter(), time.process_time()
    result = inventory_with_policy_facts(estate, [], TAKEN_AT, resources=resources, organization=organization)
    wall, cpu = time.perf_counter() - built, time.process_time() - cpu
    ids = result.identities
    print(
        f"{n:>6} principals: estate {built - started:5.2f} s | inventory_with_policy_facts wall {wall:6.2f} s, "
        f"CPU {cpu:6.2f} s ({n / wall:5.0f} principals/s) | path {int(ids['privesc_escalates'].sum())}, "
        f"latent {int(ids['privesc_latent'].sum())} (undecidable {int(ids['privesc_undecidable'].sum())}), "
        f"blocked by SCP {int((ids['privesc_blocked'] != '').sum())}, admin {int(ids['effective_admin'].sum())} | "
        f"peak RSS {_peak_mb():6.0f} MB"
    )


def main() -> None:
    from assurance_jobs.scan import actions
    from assurance_jobs.scan.privesc import methods

    with_resources = "--resources" in sys.argv
    sizes = [int(a) for a in sys.argv[1:] if a != "--resources"] or [1000, 10000]
    actions.catalogue(), methods()  # load once, outside the measurement
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cores} cores, load {os.getloadavg()[0]:.1f}; Lambda functions {'collected' if with_resources else 'not'}")
    for n in sizes:
        run(n, with_resources)


if __name__ == "__main__":
    main()
