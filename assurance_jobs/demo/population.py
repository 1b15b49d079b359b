"""The ordinary bulk of the demo estate: hundreds of workload identities of a mid-sized company.

Most are well kept (fresh keys, recently used roles, scoped policies, an active owner) so the planted defects
stand out; a small, recorded share has the everyday drift a real estate shows (an old key, a forgotten role).
"""

from __future__ import annotations

from dataclasses import dataclass

from assurance_jobs.demo import documents
from assurance_jobs.demo.builder import EstateBuilder

TEAMS: dict[str, tuple[str, ...]] = {
    "payments": ("billing-api", "invoice-worker", "stripe-sync", "ledger", "refunds", "payouts"),
    "platform": ("service-mesh", "log-shipper", "config-agent", "image-builder", "dns-sync", "cost-reporter"),
    "data": ("clickstream", "warehouse-loader", "feature-store", "dbt-runner", "lakehouse", "reverse-etl"),
    "growth": ("crm-sync", "email-campaigns", "ab-testing", "referrals", "push-notify", "seo-renderer"),
    "identity": ("sso-bridge", "scim-sync", "token-service", "session-store", "mfa-gateway", "audit-export"),
    "logistics": ("route-planner", "tracking-api", "label-printer", "warehouse-ops", "eta-model", "carrier-hub"),
}
OWNERS: dict[str, tuple[str, ...]] = {
    "payments": ("maria.lopez@example.com", "tom.becker@example.com"),
    "platform": ("priya.raman@example.com", "jonas.berg@example.com"),
    "data": ("wei.zhang@example.com", "fatima.okafor@example.com"),
    "growth": ("lucas.martin@example.com", "sofia.rossi@example.com"),
    "identity": ("omar.haddad@example.com", "emma.schulz@example.com"),
    "logistics": ("kenji.sato@example.com", "ana.silva@example.com"),
}
ENVIRONMENTS = ("prod", "staging", "dev")
ROLE_KINDS = {
    "lambda": "lambda.amazonaws.com",
    "task": "ecs-tasks.amazonaws.com",
    "ec2": "ec2.amazonaws.com",
    "glue": "glue.amazonaws.com",
}
DRIFT_SHARE = 0.08
KINDS_PER_WORKLOAD = len(ROLE_KINDS) + 2  # the role kinds plus a service user and a deploy user


@dataclass(frozen=True)
class Workload:
    team: str
    app: str
    env: str
    owner: str

    def tags(self) -> dict[str, str]:
        return {"owner": self.owner, "team": self.team, "app": self.app, "env": self.env, "managed-by": "terraform"}


def _workloads(builder: EstateBuilder) -> list[Workload]:
    """Every (team, app, env) in a stable shuffled order, each with one of the team's owners."""
    found = [
        Workload(team, app, env, builder.rng.choice(OWNERS[team]))
        for team, apps in TEAMS.items()
        for app in apps
        for env in ENVIRONMENTS
    ]
    builder.rng.shuffle(found)
    return found


def _names(workload: Workload) -> list[tuple[str, str]]:
    """(kind, principal name) candidates for one workload, most common kinds first."""
    stem = f"{workload.app}-{workload.env}"
    roles = [(kind, f"{stem}-{kind}") for kind in ROLE_KINDS]
    return [*roles, ("service_user", f"svc-{stem}"), ("deploy_user", f"svc-deploy-{stem}")]


def add_population(builder: EstateBuilder, count: int) -> None:
    """Add `count` principals (users and roles) spread over the workloads, plus one secret per workload."""
    if count <= 0:
        return
    workloads = _workloads(builder)
    # Each pass gives every workload one more principal, rotating the kind so users and roles stay mixed.
    slots = [
        (workload, *_names(workload)[(index + depth) % KINDS_PER_WORKLOAD])
        for depth in range(KINDS_PER_WORKLOAD)
        for index, workload in enumerate(workloads)
    ]
    used: set[Workload] = set()
    for workload, kind, name in slots[:count]:
        if kind in ROLE_KINDS:
            _add_role(builder, workload, kind, name)
        else:
            _add_user(builder, workload, kind, name)
        if workload not in used and workload.env == "prod":
            used.add(workload)
            _add_secret(builder, workload)
    for extra in range(count - len(slots)):
        workload = workloads[extra % len(workloads)]
        _add_role(builder, workload, "lambda", f"{workload.app}-{workload.env}-worker-{extra:03d}")


def _drifts(builder: EstateBuilder) -> bool:
    return builder.rng.random() < DRIFT_SHARE


def _add_role(builder: EstateBuilder, workload: Workload, kind: str, name: str) -> None:
    created = builder.rng.randint(30, 700)
    stale = _drifts(builder) and created > 130
    used = builder.rng.randint(95, min(created - 5, 400)) if stale else builder.rng.uniform(0.05, 6)
    arn = builder.role(
        name,
        days_ago=created,
        trust=documents.service_trust(ROLE_KINDS[kind]),
        tags=workload.tags(),
        used_days_ago=used,
        inline=documents.scoped_app_policy(builder.account_id, workload.app, workload.env),
    )
    if stale:
        builder.expect(f"{kind} role unused for {used} days", arn, "NHI-OFF-002", arn)
    else:
        builder.compliant.append(arn)


def _add_user(builder: EstateBuilder, workload: Workload, kind: str, name: str) -> None:
    created = builder.rng.randint(100, 900)
    inline = (
        documents.scoped_deploy_policy(builder.account_id, workload.app)
        if kind == "deploy_user"
        else documents.scoped_app_policy(builder.account_id, workload.app, workload.env)
    )
    arn = builder.user(name, days_ago=created, tags=workload.tags(), inline=inline)
    old_key = _drifts(builder)
    key_age = builder.rng.randint(100, created) if old_key else builder.rng.randint(3, 40)
    key = builder.access_key(name, 1, days_ago=key_age, used_days_ago=builder.rng.uniform(0.05, 2.5))
    if old_key:
        builder.expect(f"access key {key_age} days old", key, "NHI-ROT-001", arn)
    else:
        builder.compliant.append(arn)


def _add_secret(builder: EstateBuilder, workload: Workload) -> None:
    rotated = builder.rng.randint(1, 25)
    ref = builder.secret(
        f"{workload.env}/{workload.app}/db-credentials",
        days_ago=builder.rng.randint(rotated + 30, 800),
        tags=workload.tags(),
        rotated_days_ago=rotated,
        accessed_days_ago=builder.rng.randint(0, rotated),
    )
    builder.compliant_resources.append(ref)
