"""Vocabulary for describing the demo estate: "a user created 200 days ago whose key was last used 3 days ago".

Each method schedules the AWS calls on a `SeedPlan` and returns the ARN the resource will have, so the
planted-defect ledger can be written next to the resource it describes.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from assurance_jobs.demo import documents
from assurance_jobs.demo.fidelity import record_secret_access
from assurance_jobs.demo.plan import SeedContext, SeedPlan, function_code, secret_string, tag_list
from assurance_jobs.demo.server import DEMO_REGION

POLICY_AGE_DAYS = 720  # shared policies and groups predate every principal that uses them


def credential_id(user_arn: str, credential: str) -> str:
    """The inventory's id for a user's key or password (`<user arn>#access_key_1`, `#console_password`)."""
    return f"{user_arn}#{credential}"


@dataclass(frozen=True)
class Expectation:
    """One line of the ledger: what a rule must (or must not) say about one resource."""

    case: str
    resource: str
    rule_id: str
    identity_arn: str | None = None


@dataclass
class EstateBuilder:
    now: datetime
    account_id: str
    rng: random.Random
    plan: SeedPlan = field(init=False)
    defects: list[Expectation] = field(default_factory=list)
    not_flagged: list[Expectation] = field(default_factory=list)
    compliant: list[str] = field(default_factory=list)
    compliant_resources: list[str] = field(default_factory=list)
    canaries: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    sensitive_values: list[str] = field(default_factory=list)
    resolved: dict[str, str] = field(default_factory=dict)  # placeholder -> ARN known only after creation

    def __post_init__(self) -> None:
        self.plan = SeedPlan(self.now)

    # ledger -----------------------------------------------------------------------------------------------
    def expect(self, case: str, resource: str, rule_id: str, identity_arn: str | None = None) -> None:
        self.defects.append(Expectation(case, resource, rule_id, identity_arn))

    def expect_silence(self, case: str, resource: str, rule_id: str) -> None:
        self.not_flagged.append(Expectation(case, resource, rule_id, resource))

    def arn(self, kind: str, name: str, path: str = "/") -> str:
        return f"arn:aws:iam::{self.account_id}:{kind}{path}{name}"

    # IAM --------------------------------------------------------------------------------------------------
    def managed_policy(self, name: str, document: str) -> str:
        self.counts["customer_managed_policies"] += 1
        self.plan.at(POLICY_AGE_DAYS, lambda ctx: ctx.iam.create_policy(PolicyName=name, PolicyDocument=document))
        return self.arn("policy", name)

    def group(self, name: str, *, managed: tuple[str, ...] = (), inline: str | None = None) -> str:
        self.counts["groups"] += 1

        def create(ctx: SeedContext) -> None:
            ctx.iam.create_group(GroupName=name)
            for policy_arn in managed:
                ctx.iam.attach_group_policy(GroupName=name, PolicyArn=policy_arn)
            if inline:
                ctx.iam.put_group_policy(GroupName=name, PolicyName=f"{name}-inline", PolicyDocument=inline)

        self.plan.at(POLICY_AGE_DAYS - 1, create)
        return self.arn("group", name)

    def user(
        self,
        name: str,
        *,
        days_ago: float,
        tags: dict[str, str],
        groups: tuple[str, ...] = (),
        managed: tuple[str, ...] = (),
        inline: str | None = None,
        console: bool = False,
    ) -> str:
        self.counts["users"] += 1

        def create(ctx: SeedContext) -> None:
            ctx.iam.create_user(UserName=name, Tags=tag_list(tags))
            for group in groups:
                ctx.iam.add_user_to_group(GroupName=group, UserName=name)
            for policy_arn in managed:
                ctx.iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
            if inline:
                ctx.iam.put_user_policy(UserName=name, PolicyName=f"{name}-access", PolicyDocument=inline)
            if console:
                password = f"Demo-{self.rng.getrandbits(64):016x}!aA1"
                self.sensitive_values.append(password)
                ctx.iam.create_login_profile(UserName=name, Password=password, PasswordResetRequired=False)

        self.plan.at(days_ago, create)
        return self.arn("user", name)

    def access_key(self, user: str, slot: int, *, days_ago: float, used_days_ago: float | None) -> str:
        """Create key number `slot` (1 or 2) of `user`; sign one request with it `used_days_ago` days ago."""
        self.counts["access_keys"] += 1

        def create(ctx: SeedContext) -> None:
            key = ctx.iam.create_access_key(UserName=user)["AccessKey"]
            ctx.keys[(user, slot)] = (key["AccessKeyId"], key["SecretAccessKey"])
            self.sensitive_values.append(key["SecretAccessKey"])

        self.plan.at(days_ago, create)
        if used_days_ago is not None:
            self.plan.at(used_days_ago, lambda ctx: ctx.call_as(*ctx.keys[(user, slot)]))
        return credential_id(self.arn("user", user), f"access_key_{slot}")

    def role(
        self,
        name: str,
        *,
        days_ago: float,
        trust: str,
        tags: dict[str, str],
        used_days_ago: float | None,
        managed: tuple[str, ...] = (),
        inline: str | None = None,
        max_session: int = 3600,
        boundary: str | None = None,
    ) -> str:
        self.counts["roles"] += 1
        arn = self.arn("role", name)

        def create(ctx: SeedContext) -> None:
            extra = {"PermissionsBoundary": boundary} if boundary else {}
            ctx.iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=trust,
                MaxSessionDuration=max_session,
                Tags=tag_list(tags),
                **extra,
            )
            for policy_arn in managed:
                ctx.iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
            if inline:
                ctx.iam.put_role_policy(RoleName=name, PolicyName=f"{name}-access", PolicyDocument=inline)

        self.plan.at(days_ago, create)
        if used_days_ago is not None:
            self.plan.at(used_days_ago, lambda ctx: ctx.use_role(arn))
        return arn

    def service_linked_role(self, service: str, *, days_ago: float) -> str:
        """moto names these its own way (AWSServiceRoleForecs), so the ARN is taken from the response."""
        self.counts["service_linked_roles"] += 1
        placeholder = f"service-linked-role:{service}"

        def create(ctx: SeedContext) -> None:
            role = ctx.iam.create_service_linked_role(AWSServiceName=service)["Role"]
            self.resolved[placeholder] = role["Arn"]

        self.plan.at(days_ago, create)
        return placeholder

    def github_oidc_provider(self) -> None:
        self.plan.at(
            POLICY_AGE_DAYS,
            lambda ctx: ctx.iam.create_open_id_connect_provider(
                Url=f"https://{documents.GITHUB_OIDC_HOST}",
                ClientIDList=["sts.amazonaws.com"],
                ThumbprintList=[documents.GITHUB_OIDC_THUMBPRINT],
            ),
        )

    # Resources that run as roles -------------------------------------------------------------------------
    def lambda_function(self, name: str, *, role: str, days_ago: float) -> str:
        """A function running as `role`, with an environment variable holding a token: the collector reads it off
        the wire (ListFunctions returns it) and must never keep it (a sensitive value, checked in every output)."""
        self.counts["lambda_functions"] += 1
        token = f"fn-env-{hashlib.sha256(f'{self.account_id}/{name}'.encode()).hexdigest()[:24]}"  # rng untouched
        self.sensitive_values.append(token)

        def create(ctx: SeedContext) -> None:
            ctx.functions.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role,
                Handler="handler.handler",
                Code={"ZipFile": function_code()},
                Environment={"Variables": {"MAINTENANCE_TOKEN": token}},
            )

        self.plan.at(days_ago, create)
        return f"arn:aws:lambda:{DEMO_REGION}:{self.account_id}:function:{name}"

    # Secrets Manager and certificates ---------------------------------------------------------------------
    def secret(
        self,
        name: str,
        *,
        days_ago: float,
        tags: dict[str, str],
        rotated_days_ago: float | None = None,
        accessed_days_ago: float | None = None,
    ) -> str:
        """A secret holding a canary; rotation is switched on when `rotated_days_ago` is given."""
        self.counts["secrets"] += 1
        canary = f"CANARY-{self.rng.getrandbits(96):024x}"
        self.canaries.append(canary)

        def create(ctx: SeedContext) -> None:
            created = ctx.secrets.create_secret(
                Name=name, SecretString=secret_string(name.rsplit("/", 1)[-1], canary), Tags=tag_list(tags)
            )
            self.resolved[self.secret_ref(name)] = created["ARN"]

        self.plan.at(days_ago, create)
        if rotated_days_ago is not None:
            self.plan.at(
                rotated_days_ago,
                lambda ctx: ctx.secrets.rotate_secret(
                    SecretId=name, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False
                ),
            )
        if accessed_days_ago is not None:
            when = self.now - timedelta(days=accessed_days_ago)
            self.plan.at(
                accessed_days_ago,
                lambda ctx: record_secret_access(
                    ctx.account_id, DEMO_REGION, self.resolved[self.secret_ref(name)], when
                ),
            )
        return self.secret_ref(name)

    @staticmethod
    def secret_ref(name: str) -> str:
        """Placeholder for a secret's ARN (moto adds a random suffix at creation); resolved after seeding."""
        return f"secret:{name}"

    def server_certificate(self, name: str, common_name: str, *, issued_days_ago: int, expires_in_days: int) -> str:
        self.counts["server_certificates"] += 1
        body, private_key = documents.self_signed_certificate(
            common_name,
            issued=self.now - timedelta(days=issued_days_ago),
            expires=self.now + timedelta(days=expires_in_days),
        )
        self.plan.at(
            issued_days_ago,
            lambda ctx: ctx.iam.upload_server_certificate(
                ServerCertificateName=name, CertificateBody=body, PrivateKey=private_key
            ),
        )
        return self.arn("server-certificate", name)
