"""Seed an emulated AWS account with a realistic NHI estate whose every defect is known in advance.

The returned `DemoEstate` is the answer key: which resource each rule must flag, which look-alikes it must
not, which identities must pass everything, and the canary values that must never appear in any output.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3

from assurance_jobs.demo.builder import EstateBuilder, Expectation
from assurance_jobs.demo.planted import DEPARTED_OWNER, plant_all
from assurance_jobs.demo.population import OWNERS, add_population
from assurance_jobs.demo.server import DEMO_REGION

DEFAULT_SEED = 20261125
FEED_FILE = "directory_feed.csv"
# People in the HR feed who own nothing: the feed is a company directory, not a list of owners.
_OTHER_PEOPLE: dict[str, tuple[str, int | None]] = {
    "nina.petrova@example.com": ("active", None),
    "raj.kumar@example.com": ("terminated", 400),
}


@dataclass(frozen=True)
class DemoEstate:
    account_id: str
    now: datetime
    defects: tuple[Expectation, ...]
    """Every planted defect: (case, resource, rule id that must flag it, owning identity)."""
    not_flagged: tuple[Expectation, ...]
    """Look-alikes: the named rule must NOT flag the resource (boundary, explicit Deny, exemptions)."""
    compliant_arns: tuple[str, ...]
    """NHIs (users and roles) that no rule may flag."""
    compliant_resources: tuple[str, ...]
    """Secrets and server certificates that no rule may flag."""
    canaries: tuple[str, ...]
    directory_feed_path: Path
    counts: dict[str, int]
    seed_seconds: float
    sensitive_values: tuple[str, ...] = field(repr=False, default=())
    """Secret access keys, console passwords and function environment values set while seeding: must never appear in
    any output."""

    def expected_findings(self) -> set[tuple[str, str]]:
        """(rule id, resource) of every finding a scan taken at `now` must report: the ledger is exact."""
        return {(defect.rule_id, defect.resource) for defect in self.defects}

    def rule_ids(self) -> set[str]:
        return {defect.rule_id for defect in self.defects}

    def defects_for(self, rule_id: str) -> list[Expectation]:
        return [defect for defect in self.defects if defect.rule_id == rule_id]

    def defect(self, case: str) -> Expectation:
        return next(defect for defect in self.defects if defect.case == case)


def seed_demo_estate(
    endpoint_url: str,
    *,
    now: datetime,
    size: int = 300,
    seed: int = DEFAULT_SEED,
    feed_dir: Path | None = None,
) -> DemoEstate:
    """Seed about `size` IAM principals (never fewer than the planted cases) as they would look at `now`.

    `now` is the as-of time of the later snapshot: every age is set relative to it, so a scan with
    taken_at = now sees exactly the ages named in the ledger. The directory feed CSV goes to `feed_dir`
    (a new temporary directory when not given).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    started = time.perf_counter()
    builder = EstateBuilder(now=now.astimezone(UTC), account_id=_account_id(endpoint_url), rng=random.Random(seed))
    plant_all(builder)
    add_population(builder, size - _principals(builder))
    builder.plan.run(endpoint_url)
    feed_path = write_directory_feed(Path(feed_dir or tempfile.mkdtemp(prefix="assurance-demo-")), now)
    return _estate(builder, feed_path, time.perf_counter() - started)


def _account_id(endpoint_url: str) -> str:
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint_url,
        region_name=DEMO_REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return sts.get_caller_identity()["Account"]


def _principals(builder: EstateBuilder) -> int:
    return sum(builder.counts[kind] for kind in ("users", "roles", "service_linked_roles"))


def write_directory_feed(folder: Path, now: datetime) -> Path:
    """The HR export (email,status,termination_date): every owner active except the one who left."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FEED_FILE
    left = (now - timedelta(days=45)).date().isoformat()
    rows = [(email, "active", "") for team in OWNERS.values() for email in team]
    rows.append((DEPARTED_OWNER, "terminated", left))
    for email, (status, days) in _OTHER_PEOPLE.items():
        rows.append((email, status, (now - timedelta(days=days)).date().isoformat() if days else ""))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "status", "termination_date"])
        writer.writerows(sorted(rows))
    return path


def _estate(builder: EstateBuilder, feed_path: Path, seconds: float) -> DemoEstate:
    def resolve(resource: str) -> str:
        return builder.resolved.get(resource, resource)

    def resolved(expectations: list[Expectation]) -> tuple[Expectation, ...]:
        return tuple(
            Expectation(
                item.case, resolve(item.resource), item.rule_id, item.identity_arn and resolve(item.identity_arn)
            )
            for item in expectations
        )

    counts = dict(builder.counts)
    counts["principals"] = _principals(builder)
    return DemoEstate(
        account_id=builder.account_id,
        now=builder.now,
        defects=resolved(builder.defects),
        not_flagged=resolved(builder.not_flagged),
        compliant_arns=tuple(builder.compliant),
        compliant_resources=tuple(resolve(ref) for ref in builder.compliant_resources),
        canaries=tuple(builder.canaries),
        directory_feed_path=feed_path,
        counts=counts,
        seed_seconds=seconds,
        sensitive_values=tuple(builder.sensitive_values),
    )
