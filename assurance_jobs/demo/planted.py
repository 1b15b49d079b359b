"""The named cases of the demo estate: one or more planted examples of every defect the rules detect, the
look-alikes the rules must NOT flag, and fully compliant identities.

The ledger is meant to be exact: the findings of a scan taken at `now` are the ledger's (rule, resource)
pairs, no more and no fewer (checked end to end in tests/app/test_demo_pipeline.py).

Names say what is wrong (`svc-legacy-billing` has a 200-day-old key) so a person reading a report can check
every finding against this file. Unless a case is about usage, its identity is kept otherwise healthy (owner
active, used within days, scoped permissions) so it trips the one rule it was planted for.
"""

from __future__ import annotations

from assurance_jobs.demo import documents as doc
from assurance_jobs.demo.builder import EstateBuilder, credential_id

ACTIVE_OWNER = "priya.raman@example.com"
DEPARTED_OWNER = "dana.whitfield@example.com"
UNKNOWN_OWNER = "ghost.contractor@example.com"
SCRIPT_TAG = "<script>alert(1)</script>"
IMG_TAG = "\"'><img src=x onerror=alert(1)>"
UNKNOWN_ACCOUNT = "012345678901"  # a leading zero: every surface must print it as written, never as a number
VENDOR_ACCOUNT = "777788889999"


def _tags(app: str, owner: str | None = ACTIVE_OWNER, **extra: str) -> dict[str, str]:
    tags = {"team": "platform", "app": app, "env": "prod", **extra}
    if owner is not None:
        tags["owner"] = owner
    return tags


def _scoped(b: EstateBuilder, app: str) -> str:
    return doc.scoped_app_policy(b.account_id, app, "prod")


def _user(b: EstateBuilder, name: str, app: str, *, fresh_key: bool = True, **kwargs: object) -> str:
    """A service user created long ago; with `fresh_key`, one 20-day-old key used yesterday."""
    kwargs.setdefault("inline", _scoped(b, app))
    kwargs.setdefault("tags", _tags(app))
    arn = b.user(name, days_ago=kwargs.pop("days_ago", 300), **kwargs)  # type: ignore[arg-type]
    if fresh_key:
        b.access_key(name, 1, days_ago=20, used_days_ago=1)
    return arn


def _role(b: EstateBuilder, name: str, app: str, **kwargs: object) -> str:
    """A Lambda role created long ago and used yesterday, unless the case says otherwise."""
    kwargs.setdefault("trust", doc.service_trust("lambda.amazonaws.com"))
    kwargs.setdefault("tags", _tags(app))
    kwargs.setdefault("used_days_ago", 1)
    kwargs.setdefault("days_ago", 300)
    if "managed" not in kwargs:
        kwargs.setdefault("inline", _scoped(b, app))
    return b.role(name, **kwargs)  # type: ignore[arg-type]


def plant_rotation(b: EstateBuilder) -> None:
    b.user("svc-legacy-billing", days_ago=400, tags=_tags("legacy-billing"), inline=_scoped(b, "legacy-billing"))
    key = b.access_key("svc-legacy-billing", 1, days_ago=200, used_days_ago=2)
    b.expect("access key 200 days old", key, "NHI-ROT-001", b.arn("user", "svc-legacy-billing"))

    user = _user(b, "svc-ci-artifacts", "ci-artifacts", fresh_key=False, days_ago=150)
    b.access_key("svc-ci-artifacts", 1, days_ago=30, used_days_ago=1)
    b.access_key("svc-ci-artifacts", 2, days_ago=10, used_days_ago=0.5)
    b.expect("two active access keys", user, "NHI-ROT-002", user)

    secret = b.secret("prod/billing/stripe-api-key", days_ago=30, tags=_tags("billing-api"))
    b.expect("secret rotation disabled", secret, "NHI-ROT-003")
    secret = b.secret("prod/orders/db-password", days_ago=400, tags=_tags("orders"), rotated_days_ago=120)
    b.expect("secret last rotated 120 days ago", secret, "NHI-ROT-004")

    cert = b.server_certificate("legacy-portal-2024", "portal.example.com", issued_days_ago=375, expires_in_days=-10)
    b.expect("server certificate expired 10 days ago", cert, "NHI-ROT-005")
    cert = b.server_certificate("api-edge-2026", "api.example.com", issued_days_ago=353, expires_in_days=12)
    b.expect("server certificate expires in 12 days", cert, "NHI-ROT-006")


def plant_expiry_and_console(b: EstateBuilder) -> None:
    role = _role(b, "etl-longrunning-batch", "etl-batch", max_session=43200)
    b.expect("role max session 12 hours", role, "NHI-EXP-001", role)

    user = _user(b, "svc-jenkins-legacy", "jenkins", console=True, days_ago=30)
    b.expect("console password on a service user", user, "NHI-LP-007", user)
    b.expect("console password that never expires", credential_id(user, "console_password"), "NHI-EXP-002", user)


def _admin_consequences(b: EstateBuilder, arn: str) -> None:
    """`*:*` also grants every sensitive service and every escalation path: reported once, folded into LP-001."""
    b.expect_silence("admin's sensitive service wildcards fold into NHI-LP-001", arn, "NHI-LP-002")
    b.expect_silence("admin's escalation methods fold into NHI-LP-001", arn, "NHI-LP-003")


def plant_admin_and_wildcards(b: EstateBuilder) -> None:
    full = b.managed_policy("LegacyFullAccess", doc.policy(doc.allow("*", "*")))
    b.group("platform-admins", managed=(full,))
    role = _role(b, "ops-break-glass-automation", "break-glass", managed=(full,))
    b.expect("effective admin via *:* customer managed policy", role, "NHI-LP-001", role)
    _admin_consequences(b, role)
    user = _user(b, "svc-terraform-legacy", "terraform", groups=("platform-admins",))
    b.expect("effective admin inherited from group platform-admins", user, "NHI-LP-001", user)
    _admin_consequences(b, user)

    user = _user(b, "svc-iam-sync", "iam-sync", inline=doc.policy(doc.allow("iam:*")))
    b.expect("iam:* on every resource", user, "NHI-LP-002", user)
    b.expect("iam:* includes privilege escalation", user, "NHI-LP-003", user)
    role = _role(b, "kms-key-rotator", "kms-rotator", inline=doc.policy(doc.allow("kms:*")))
    b.expect("kms:* on every resource", role, "NHI-LP-002", role)
    role = _role(b, "s3-bulk-migrator", "s3-migrator", inline=doc.policy(doc.allow("s3:*")))
    b.expect("s3:* on every resource", role, "NHI-LP-002", role)


def plant_privilege_escalation(b: EstateBuilder) -> None:
    pass_role = b.managed_policy("ci-pass-role", doc.policy(doc.allow("iam:PassRole")))
    deploy = doc.allow(["lambda:CreateFunction", "lambda:InvokeFunction"])
    lambda_deploy = b.managed_policy("ci-lambda-deploy", doc.policy(deploy))
    role = _role(b, "lambda-deployer-ci", "lambda-deployer", managed=(pass_role, lambda_deploy))
    b.expect("PassRole + CreateFunction + InvokeFunction split over two policies", role, "NHI-LP-003", role)

    versioner = b.managed_policy("policy-automation", doc.policy(doc.allow("iam:CreatePolicyVersion")))
    b.group("policy-automation", managed=(versioner,))
    user = _user(b, "svc-policy-bot", "policy-bot", groups=("policy-automation",))
    b.expect("iam:CreatePolicyVersion on its group's own managed policy", user, "NHI-LP-003", user)

    combo = doc.policy(doc.allow("iam:PassRole"), deploy)
    boundary = b.managed_policy("boundary-s3-readonly", doc.policy(doc.allow("s3:GetObject", "arn:aws:s3:::acme-*/*")))
    role = _role(b, "lambda-deployer-bounded", "lambda-deployer", inline=combo, boundary=boundary)
    b.expect_silence("privilege escalation blocked by permissions boundary", role, "NHI-LP-003")
    guarded = doc.policy(doc.allow("iam:PassRole"), deploy, doc.deny("iam:PassRole"))
    role = _role(b, "lambda-deployer-guarded", "lambda-deployer", inline=guarded)
    b.expect_silence("privilege escalation guarded by explicit Deny on iam:PassRole", role, "NHI-LP-003")

    notebooks = doc.policy(doc.allow(["iam:PassRole", "sagemaker:CreateNotebookInstance"]))
    role = _role(b, "ml-notebook-launcher", "ml-notebooks", inline=notebooks)
    b.expect("PassRole + CreateNotebookInstance, no privileged role trusts SageMaker yet", role, "NHI-LP-008", role)
    b.expect_silence("latent, not a path: no role completes it today", role, "NHI-LP-003")
    patching = doc.policy(doc.allow("ssm:SendCommand", f"arn:aws:ec2:us-east-1:{b.account_id}:instance/*"))
    role = _role(b, "fleet-patch-runner", "fleet-patching", inline=patching)
    b.expect("ssm:SendCommand, and no SSM-managed instance in the account yet", role, "NHI-LP-008", role)
    previews = doc.policy(doc.allow("apprunner:UpdateService"))
    role = _role(b, "preview-env-updater", "preview-envs", inline=previews)
    b.expect("apprunner:UpdateService, undecidable: App Runner services are not collected", role, "NHI-LP-008", role)
    plant_existing_resource_path(b)


def plant_existing_resource_path(b: EstateBuilder) -> None:
    """A Lambda function that runs as an administrator role, and an NHI allowed to replace its code: it becomes
    that role by deploying code (NHI-LP-003, a path through the function, found from the function listing)."""
    full = b.arn("policy", "LegacyFullAccess")
    executor = _role(b, "nightly-maintenance-exec", "nightly-maintenance", managed=(full,))
    b.expect("Lambda execution role with *:* (an admin function)", executor, "NHI-LP-001", executor)
    _admin_consequences(b, executor)
    function = b.lambda_function("nightly-maintenance", role=executor, days_ago=200)
    updater = _role(
        b, "lambda-code-updater-ci", "code-updater", inline=doc.policy(doc.allow("lambda:UpdateFunctionCode", function))
    )
    b.expect("lambda:UpdateFunctionCode on a function that runs as an admin role", updater, "NHI-LP-003", updater)


def plant_trust(b: EstateBuilder) -> None:
    role = _role(b, "partner-webhook-receiver", "webhooks", trust=doc.open_trust())
    b.expect("trust policy open to any AWS principal", role, "NHI-LP-004", role)

    audit = doc.policy(doc.allow(["iam:GetAccountAuthorizationDetails", "iam:GenerateCredentialReport"]))
    role = _role(b, "vendor-auditor-nocheck", "vendor-audit", trust=doc.account_trust(UNKNOWN_ACCOUNT), inline=audit)
    b.expect(f"cross-account trust to {UNKNOWN_ACCOUNT} without ExternalId", role, "NHI-LP-005", role)
    trust = doc.account_trust(VENDOR_ACCOUNT, external_id="acme-7f3c9e")
    b.compliant.append(_role(b, "vendor-auditor-secure", "vendor-audit", trust=trust, inline=audit))

    b.github_oidc_provider()
    role = _role(b, "gha-deploy-unpinned", "gha-deploy", trust=doc.github_oidc_trust(b.account_id, None))
    b.expect("GitHub OIDC trust without a sub condition", role, "NHI-LP-006", role)
    pinned = doc.github_oidc_trust(b.account_id, "repo:acme/payments-api:ref:refs/heads/main")
    b.compliant.append(_role(b, "gha-payments-api-deploy", "payments-api", trust=pinned))


def plant_offboarding(b: EstateBuilder) -> None:
    _user(b, "svc-report-exporter", "report-exporter", fresh_key=False, days_ago=60)
    key = b.access_key("svc-report-exporter", 1, days_ago=60, used_days_ago=None)
    b.expect("active key never used, created 60 days ago", key, "NHI-OFF-001", b.arn("user", "svc-report-exporter"))
    _user(b, "svc-nightly-backup", "nightly-backup", fresh_key=False)
    key = b.access_key("svc-nightly-backup", 1, days_ago=80, used_days_ago=70)
    b.expect("access key dormant for 70 days", key, "NHI-OFF-001", b.arn("user", "svc-nightly-backup"))

    role = _role(b, "etl-legacy-ingest", "legacy-ingest", days_ago=400, used_days_ago=120)
    b.expect("role last used 120 days ago", role, "NHI-OFF-002", role)
    role = _role(b, "ml-feature-store-experiment", "feature-store", days_ago=100, used_days_ago=None)
    b.expect("role never used, created 100 days ago", role, "NHI-OFF-002", role)

    role = _role(b, "orphan-queue-worker", "queue-worker", tags=_tags("queue-worker", owner=None))
    b.expect("no owner tag", role, "NHI-OFF-003", role)
    role = _role(b, "reporting-dashboard-sync", "dashboards", tags=_tags("dashboards", owner=DEPARTED_OWNER))
    b.expect("owner has left the company", role, "NHI-OFF-004", role)
    role = _role(b, "marketing-crm-export", "crm-export", tags=_tags("crm-export", owner=UNKNOWN_OWNER))
    b.expect("owner unknown to the directory", role, "NHI-OFF-004", role)
    hostile = _tags("frontend-render", owner=SCRIPT_TAG, Name=IMG_TAG)
    role = _role(b, "frontend-render-svc", "frontend-render", tags=hostile)
    b.expect("owner tag holding markup (HTML escaping case)", role, "NHI-OFF-004", role)

    secret = b.secret(
        "prod/reports/legacy-ftp-credentials",
        days_ago=500,
        tags=_tags("reports"),
        rotated_days_ago=10,
        accessed_days_ago=100,
    )
    b.expect("secret last read 100 days ago", secret, "NHI-OFF-005")


def plant_exempt(b: EstateBuilder) -> None:
    """Principals the rules must leave alone: AWS-owned service-linked roles and real people."""
    for service in ("autoscaling.amazonaws.com", "ecs.amazonaws.com"):
        role = b.service_linked_role(service, days_ago=500)
        b.expect_silence("service-linked role is exempt from the unused-role rule", role, "NHI-OFF-002")
        b.expect_silence("service-linked role is exempt from the owner rule", role, "NHI-OFF-003")
    human = {"identity-type": "human", "owner": ACTIVE_OWNER, "team": "platform"}
    user = b.user("alice.nguyen", days_ago=600, tags=human, groups=("platform-admins",), console=True)
    b.counts["humans"] += 1
    b.expect_silence("human administrator is not an NHI", user, "NHI-LP-001")
    b.expect_silence("human console user is not an NHI", user, "NHI-LP-007")


def plant_compliant(b: EstateBuilder) -> None:
    b.compliant.append(_user(b, "svc-payments-ledger", "ledger"))
    b.compliant.append(_role(b, "checkout-api-prod-lambda", "checkout-api"))
    ref = b.secret(
        "prod/payments/ledger-db", days_ago=300, tags=_tags("ledger"), rotated_days_ago=12, accessed_days_ago=1
    )
    b.compliant_resources.append(ref)
    cert = b.server_certificate("www-acme-example", "www.example.com", issued_days_ago=65, expires_in_days=300)
    b.compliant_resources.append(cert)


def plant_all(b: EstateBuilder) -> None:
    plant_rotation(b)
    plant_expiry_and_console(b)
    plant_admin_and_wildcards(b)
    plant_privilege_escalation(b)
    plant_trust(b)
    plant_offboarding(b)
    plant_exempt(b)
    plant_compliant(b)
