"""The one configuration file, validated with pydantic.

A bad file must stop the run with a single message that names the offending field, because the people who
edit it are security engineers reading a terminal, not Python developers reading a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assurance_jobs.yaml_files import describe_validation_error, read_yaml_file, validation_problems

DEFAULT_STORAGE_ROOT = "./assurance-data"
DEFAULT_OUTPUT_DIR = "./assurance-output"
DEFAULT_PARTITION_START = date(2026, 1, 1)
DEFAULT_DRIFT_HISTORY_DAYS = 30
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PROBE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")


def _aws_regions(regions: list[str]) -> list[str]:
    bad = [region for region in regions if not _REGION.match(region)]
    if bad:
        raise ValueError(f"not an AWS region name: {', '.join(bad)}")
    return regions


def _iam_role_arn(role_arn: str) -> str:
    if not _ROLE_ARN.match(role_arn):
        raise ValueError("must look like arn:aws:iam::<12-digit account>:role/<name>")
    return role_arn


Regions = Annotated[list[str], AfterValidator(_aws_regions)]
"""Region names, checked once for every section that lists them (accounts, trails, the organization)."""
RoleArn = Annotated[str, AfterValidator(_iam_role_arn)]
"""An IAM role ARN, checked once for every section that names one."""


class ConfigError(Exception):
    """A configuration problem, phrased for the person who edits the file.

    The message is one line (the first problem, counting the rest); `problems` holds every problem as its own
    line, for `check-config`, which is asked to list them all."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems) or (message,)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")


class TrailConfig(_Strict):
    """Where a CloudTrail trail delivers its log objects (docs/runtime.md).

    Keys follow `<prefix>/AWSLogs/[<organization_id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/...json.gz`; the
    collection session of each account must be allowed `s3:ListBucket` and `s3:GetObject` on that bucket.
    """

    bucket: str = Field(description="S3 bucket the trail delivers to.")
    prefix: str = Field(default="", description="Key prefix set on the trail ('' when none).")
    regions: Regions | None = Field(
        default=None, description="Regions whose logs are read (default: the account's regions)."
    )
    organization_id: str | None = Field(default=None, description="o-… for an organization trail's key layout.")
    expect_hourly_delivery: bool = Field(
        default=True,
        description="An hour of the day without log objects makes runtime evidence partial "
        "(turn off for regions quiet enough that CloudTrail delivers nothing for an hour).",
    )

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, bucket: str) -> str:
        if not _BUCKET.match(bucket):
            raise ValueError("must be an S3 bucket name (lower case letters, digits, dots and hyphens)")
        return bucket

    @field_validator("prefix")
    @classmethod
    def _prefix_without_slashes(cls, prefix: str) -> str:
        return prefix.strip("/")

    @field_validator("regions")
    @classmethod
    def _trail_regions(cls, regions: list[str] | None) -> list[str] | None:
        if regions is not None and not regions:
            raise ValueError("list at least one region, or leave the field out for the account's regions")
        return regions

    @field_validator("organization_id")
    @classmethod
    def _organization_id(cls, organization_id: str | None) -> str | None:
        if organization_id is not None and not _ORG_ID.match(organization_id):
            raise ValueError("must look like o-abcd123456 (the organization id in the trail's key layout)")
        return organization_id


class AccountConfig(_Strict):
    """One AWS account to scan, reached through the standard credential chain."""

    name: str = Field(min_length=1, description="Label used in reports.")
    profile: str | None = Field(default=None, description="Named profile from ~/.aws/config.")
    role_arn: RoleArn | None = Field(default=None, description="Role to assume (read-only auditor role).")
    external_id: str | None = None
    regions: Regions = Field(default_factory=lambda: ["us-east-1"], min_length=1)
    collect_organizations: bool = Field(
        default=False, description="Also snapshot organizations:ListAccounts (management account only)."
    )
    cloudtrail: TrailConfig | None = Field(
        default=None, description="This account's trail (else the organization trail, if configured)."
    )
    collect_service_last_accessed: bool = Field(
        default=False,
        description="Also run IAM Access Advisor jobs per user and role, so NHI-RT-005 is judged before "
        "`activity_lookback_days` of activity are stored (one job per principal: slow on large accounts).",
    )
    collect_resources: bool = Field(
        default=True,
        description="List, per region, the resources that run as IAM roles (Lambda functions, stacks, CodeBuild "
        "projects, instances, notebooks, Glue and ECS; metadata only), so NHI-LP-003/008 decide existing-resource "
        "escalation methods; off, those methods are reported undecidable (NHI-LP-008).",
    )
    collect_agents: bool = Field(
        default=False,
        description="Also discover AI agents per region: Amazon Bedrock Agents and Bedrock AgentCore (runtimes, "
        "gateways and their targets, workload identities, credential providers, memory), metadata only "
        "(docs/agents.md). Off: the agent rules read INCOMPLETE.",
    )


class ScheduleConfig(_Strict):
    cron: str = Field(default="0 6 * * *", description="When the daily run starts.")
    timezone: str = "UTC"


class HumanMarker(_Strict):
    """How a team marks the few IAM principals that really are people (everything else is an NHI)."""

    tag_key: str = "identity-type"
    tag_values: list[str] = Field(default_factory=lambda: ["human"])
    name_patterns: list[str] = Field(default_factory=list, description="fnmatch globs on the principal name.")


class DirectoryFeedConfig(_Strict):
    """A CSV export from HR or the IdP saying whether an owner is still here."""

    path: str
    email_column: str = "email"
    status_column: str = "status"
    termination_date_column: str = "termination_date"
    active_values: list[str] = Field(default_factory=lambda: ["active"])


class ChangeEventsConfig(_Strict):
    """The SQS queue an EventBridge rule fills with IAM/STS/Secrets Manager changes (docs/change-events.md)."""

    queue_url: str = Field(min_length=1, description="SQS queue URL the sensor polls.")
    region: str = Field(default="us-east-1", description="The queue's region (IAM events arrive in us-east-1).")
    debounce_seconds: int = Field(default=120, ge=0, le=3600, description="Quiet time that ends a burst.")
    max_messages_per_tick: int = Field(default=100, ge=1, le=1000, description="Messages read per sensor tick.")

    @field_validator("region")
    @classmethod
    def _region_looks_like_a_region(cls, region: str) -> str:
        return _aws_regions([region])[0]


class SecretReference(_Strict):
    """Where a probe's client secret lives. Only the reference is configured or stored: the value is read into
    memory when the probe runs and never written to a file, a log or a report."""

    env: str | None = Field(default=None, description="Environment variable holding the secret.")
    secretsmanager_arn: str | None = Field(default=None, description="Secrets Manager secret holding it.")

    @field_validator("env")
    @classmethod
    def _env_is_a_variable_name(cls, env: str | None) -> str | None:
        if env is not None and not _ENV_VAR.match(env):
            raise ValueError("must be an environment variable name such as PROBE_CLIENT_SECRET")
        return env

    @field_validator("secretsmanager_arn")
    @classmethod
    def _arn_is_a_secret(cls, arn: str | None) -> str | None:
        if arn is not None and not _SECRET_ARN.match(arn):
            raise ValueError("must look like arn:aws:secretsmanager:<region>:<account>:secret:<name>")
        return arn

    @model_validator(mode="after")
    def _exactly_one_place(self) -> SecretReference:
        if (self.env is None) == (self.secretsmanager_arn is None):
            raise ValueError("give exactly one of env (a variable name) or secretsmanager_arn, never the value")
        return self


def _probe_name(name: str) -> str:
    if not _PROBE_NAME.match(name):
        raise ValueError("must be lower-case letters, digits, '-' or '_' (it names the probe's evidence file)")
    return name


def _http_url(url: str | None) -> str | None:
    if url is not None and not re.match(r"^https?://[^/\s]+", url):
        raise ValueError("must be an http(s):// URL")
    return url


def _rejection_status(status: int) -> int:
    """A status that can mean "this token is refused": 4xx, or a 3xx redirect (to a sign-in page), never 408/429,
    which say "try again later", not "no"."""
    if not (300 <= status < 500) or status in (408, 429):
        raise ValueError("must be an HTTP 3xx or 4xx status that refuses a token (not 408 or 429)")
    return status


RejectionStatus = Annotated[int, AfterValidator(_rejection_status)]
ClientAuthMethod = Literal["client_secret_basic", "client_secret_post", "private_key_jwt"]
# Headers the probe sets itself, or that would carry a credential the configuration must never hold.
_RESERVED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "host", "content-length"})
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
# Header names that carry a credential (an API gateway key, a session): the configuration never holds one.
_CREDENTIAL_HEADER = re.compile(r"auth|token|secret|key|passw|cookie|session|credential", re.IGNORECASE)
DEFAULT_LEEWAY_SECONDS = 60.0  # Spring Security's JwtTimestampValidator default; .NET's is 300 (docs/probes.md)


class PrivateKeyJwt(_Strict):
    """`private_key_jwt` client authentication (RFC 7523): a short-lived client assertion signed with a private key
    that is read, like a client secret, from its reference only."""

    key: SecretReference = Field(description="PEM private key (environment variable or Secrets Manager secret).")
    algorithm: Literal["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"] = "RS256"
    key_id: str | None = Field(default=None, description="`kid` header: the key's id registered at the issuer.")
    x5t_s256: str | None = Field(default=None, description="`x5t#S256` header: the certificate's SHA-256 thumbprint.")
    x5t: str | None = Field(default=None, description="`x5t` header: the certificate's SHA-1 thumbprint (legacy).")
    audience: str | None = Field(default=None, description="Assertion `aud` (default: the token endpoint).")
    lifetime_seconds: int = Field(default=60, ge=10, le=300, description="Assertion lifetime; one use only.")

    @field_validator("key", mode="before")
    @classmethod
    def _key_is_a_reference(cls, value: object) -> object:
        if isinstance(value, str):
            raise ValueError("must be a reference ({env: VARIABLE} or {secretsmanager_arn: ...}), never the key")
        return value


class OAuth2ProbeTarget(_Strict):
    """An OAuth2/OIDC client-credentials token, replayed against the resource it was issued for."""

    name: str = Field(description="Label of the probe in reports; names its evidence file.")
    issuer: str | None = Field(
        default=None, description="OIDC issuer: its discovery document names the token and revocation endpoints."
    )
    token_endpoint: str | None = Field(default=None, description="Overrides the discovered token endpoint.")
    revocation_endpoint: str | None = Field(default=None, description="RFC 7009 endpoint (overrides discovery).")
    introspection_endpoint: str | None = Field(default=None, description="RFC 7662 endpoint (overrides discovery).")
    client_id: str = Field(min_length=1)
    client_auth: ClientAuthMethod = Field(default="client_secret_basic", description="How the client authenticates.")
    client_secret: SecretReference | None = None
    private_key_jwt: PrivateKeyJwt | None = None
    scope: str | None = None
    audience: str | None = Field(default=None, description="Sent as the `audience` form parameter.")
    resource: list[str] = Field(default_factory=list, description="RFC 8707 `resource` parameters (absolute URIs).")
    resource_url: str = Field(description="Protected resource the token is replayed against.")
    second_resource_url: str | None = Field(
        default=None, description="A resource of another audience: it must refuse the token (NHI-PRB-003)."
    )
    method: Literal["GET", "HEAD", "POST"] = Field(default="GET", description="Method of every resource request.")
    headers: dict[str, str] = Field(default_factory=dict, description="Extra resource request headers (no secrets).")
    expected_rejection: list[RejectionStatus] = Field(default_factory=lambda: [401, 403], min_length=1)
    max_lifetime_seconds: int = Field(default=3600, ge=1, description="Longest acceptable stated lifetime.")
    leeway_seconds: float = Field(
        default=DEFAULT_LEEWAY_SECONDS, ge=0, le=3600, description="Acceptance this long after expiry is tolerated."
    )
    revocation: bool = Field(default=False, description="NHI-PRB-004: revoke a second token (RFC 7009), replay it.")
    introspection: bool = Field(
        default=False, description="With revocation: the resource introspects (RFC 7662), so check it reads inactive."
    )

    @field_validator("name")
    @classmethod
    def _name_is_a_file_stem(cls, name: str) -> str:
        return _probe_name(name)

    @field_validator("issuer", "token_endpoint", "revocation_endpoint", "introspection_endpoint")
    @classmethod
    def _endpoints_are_http(cls, url: str | None) -> str | None:
        return _http_url(url)

    @field_validator("resource_url", "second_resource_url")
    @classmethod
    def _urls_are_http(cls, url: str | None) -> str | None:
        return _http_url(url)

    @field_validator("resource", mode="before")
    @classmethod
    def _one_resource_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("resource")
    @classmethod
    def _resources_are_absolute_uris(cls, resources: list[str]) -> list[str]:
        bad = [uri for uri in resources if not urlparse(uri).scheme or "#" in uri]
        if bad:
            raise ValueError("RFC 8707: each resource must be an absolute URI without a fragment")
        return resources

    @field_validator("headers")
    @classmethod
    def _headers_carry_no_credential(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if not _HEADER_NAME.match(name):
                raise ValueError(f"{name!r} is not an HTTP header name")
            if name.lower() in _RESERVED_HEADERS or _CREDENTIAL_HEADER.search(name):
                raise ValueError(f"{name} is set by the probe or would hold a credential; remove it")
        return headers

    @field_validator("client_secret", mode="before")
    @classmethod
    def _secret_is_a_reference(cls, value: object) -> object:
        if isinstance(value, str):
            raise ValueError("must be a reference ({env: VARIABLE} or {secretsmanager_arn: ...}), never the value")
        return value

    @model_validator(mode="after")
    def _endpoints_and_credentials_fit(self) -> OAuth2ProbeTarget:
        if self.issuer is None and self.token_endpoint is None:
            raise ValueError("give issuer (OIDC discovery) or token_endpoint")
        if self.client_auth == "private_key_jwt":
            if self.private_key_jwt is None or self.client_secret is not None:
                raise ValueError("client_auth private_key_jwt needs a private_key_jwt section and no client_secret")
        elif self.client_secret is None or self.private_key_jwt is not None:
            raise ValueError(f"client_auth {self.client_auth} needs client_secret (and no private_key_jwt)")
        if self.introspection and not self.revocation:
            raise ValueError("introspection checks a revoked token: set revocation: true as well")
        return self


class StsProbeTarget(_Strict):
    """An STS session of a dedicated probe role, replayed with sts:GetCallerIdentity after it expired."""

    name: str
    role_arn: RoleArn = Field(description="A probe role with no permissions (GetCallerIdentity needs none).")
    duration_seconds: int = Field(default=900, ge=900, le=43200, description="900 s is the STS minimum.")
    region: str = "us-east-1"
    max_lifetime_seconds: int = Field(default=3600, ge=1)
    leeway_seconds: float = Field(
        default=DEFAULT_LEEWAY_SECONDS, ge=0, le=3600, description="Acceptance this long after expiry is tolerated."
    )
    revocation_probe: bool = Field(
        default=False,
        description="Also apply an AWSRevokeOlderSessions deny to the role and expect the live session refused.",
    )

    @field_validator("name")
    @classmethod
    def _name_is_a_file_stem(cls, name: str) -> str:
        return _probe_name(name)

    @field_validator("region")
    @classmethod
    def _region_looks_like_a_region(cls, region: str) -> str:
        return _aws_regions([region])[0]


class ProbesConfig(_Strict):
    """Active runtime probes (docs/probes.md): obtain a short-lived token, wait past its expiry, replay it."""

    oauth2: list[OAuth2ProbeTarget] = Field(default_factory=list)
    sts: list[StsProbeTarget] = Field(default_factory=list)
    expiry_margin_seconds: float = Field(default=5.0, ge=0, le=600, description="Wait this long past expiry.")
    late_replay_seconds: float = Field(
        default=300.0,
        ge=0,
        le=3600,
        description="A token still accepted after the leeway is replayed once more this much later (its severity).",
    )
    revocation_window_seconds: float = Field(
        default=60.0, gt=0, le=600, description="How long a revoked token or session may take to be refused."
    )
    max_wait_seconds: float = Field(
        default=4000.0, gt=0, description="A replay due later than this after issue is not made (it reads INCOMPLETE)."
    )
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    schedule: ScheduleConfig = Field(
        default_factory=lambda: ScheduleConfig(cron="30 6 * * *"),
        description="Own schedule, so the wait for expiry never delays the daily snapshot.",
    )

    @model_validator(mode="after")
    def _names_are_unique(self) -> ProbesConfig:
        names = [target.name for target in self.targets]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"probe names must be unique, repeated: {', '.join(duplicated)}")
        return self

    @property
    def targets(self) -> list[OAuth2ProbeTarget | StsProbeTarget]:
        return [*self.oauth2, *self.sts]


_SNS_TOPIC = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class AlertDestination(_Strict):
    """Where a newly opened finding is sent. Secrets (Slack URL, HMAC key) are named by environment variable,
    never written in this file."""

    type: Literal["slack", "sns", "webhook"]
    name: str | None = Field(default=None, description="Label in logs and the delivery ledger (default: type).")
    url_env: str | None = Field(default=None, description="slack: env variable holding the incoming-webhook URL.")
    url: str | None = Field(default=None, description="webhook: the HTTPS endpoint.")
    secret_env: str | None = Field(default=None, description="webhook: env variable holding the HMAC-SHA256 key.")
    topic_arn: str | None = Field(default=None, description="sns: the topic to publish to.")

    @field_validator("url_env", "secret_env")
    @classmethod
    def _env_name(cls, name: str | None) -> str | None:
        if name is not None and not _ENV_NAME.match(name):
            raise ValueError("must be an environment variable name such as SLACK_WEBHOOK_URL")
        return name

    @field_validator("url")
    @classmethod
    def _https(cls, url: str | None) -> str | None:
        if url is None:
            return url
        parsed = urlparse(url)
        if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in _LOOPBACK):
            raise ValueError("must be an https:// URL (plain http only to a loopback address, for tests)")
        return url

    @field_validator("topic_arn")
    @classmethod
    def _topic(cls, arn: str | None) -> str | None:
        if arn is not None and not _SNS_TOPIC.match(arn):
            raise ValueError("must look like arn:aws:sns:<region>:<account>:<topic>")
        return arn

    @model_validator(mode="after")
    def _has_what_its_type_needs(self) -> AlertDestination:
        needed = {"slack": ("url_env",), "sns": ("topic_arn",), "webhook": ("url", "secret_env")}[self.type]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.type} destination needs {', '.join(missing)}")
        return self

    @property
    def label(self) -> str:
        return self.name or self.type


class AlertsConfig(_Strict):
    """Alerts on findings opened today that were not open the previous day (docs/runtime.md)."""

    min_severity: Literal["critical", "high", "medium", "low"] = "high"
    destinations: list[AlertDestination] = Field(min_length=1)
    max_attempts: int = Field(default=5, ge=1, le=50, description="Delivery attempts (one per sensor tick).")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _labels_unique(self) -> AlertsConfig:
        labels = [d.label for d in self.destinations]
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ValueError(f"destination names must be unique (set 'name'), repeated: {', '.join(repeated)}")
        return self


_CLUSTER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
DEFAULT_PRIVILEGED_NAMESPACES = ("kube-system",)


class EksClusterRef(_Strict):
    """An EKS cluster: its endpoint, CA and OIDC issuer come from eks:DescribeCluster, its Pod Identity
    associations from eks:ListPodIdentityAssociations, called with a configured account's credentials."""

    cluster_name: str = Field(min_length=1, max_length=100, description="The EKS cluster's name.")
    region: str = Field(description="The cluster's region.")
    account: str = Field(min_length=1, description="Name of the `accounts:` entry whose credentials are used.")

    @field_validator("region")
    @classmethod
    def _region_looks_like_a_region(cls, region: str) -> str:
        return _aws_regions([region])[0]


class ClusterConfig(_Strict):
    """One Kubernetes cluster whose service accounts, RBAC and tokens are snapshotted (docs/kubernetes.md).

    It is reached through exactly one of: a kubeconfig `context`, `in_cluster` (the pod's own service account),
    or `eks` alone (endpoint, CA and a token built from the AWS credentials as `aws eks get-token` does). With a
    `context` or `in_cluster`, `eks` still names the cluster's AWS side (OIDC issuer, Pod Identity)."""

    name: str = Field(description="Label of the cluster; its findings' scope is `k8s:<name>`.")
    context: str | None = Field(default=None, description="kubeconfig context to use.")
    kubeconfig: str | None = Field(default=None, description="kubeconfig file (default: $KUBECONFIG, ~/.kube/config).")
    in_cluster: bool = Field(default=False, description="Use the pod's own service account token and CA.")
    eks: EksClusterRef | None = Field(default=None, description="The EKS cluster this is (AWS side of IRSA).")
    oidc_issuer: str | None = Field(
        default=None, description="Service-account token issuer URL of a non-EKS cluster trusted by IAM roles."
    )
    privileged_namespaces: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PRIVILEGED_NAMESPACES),
        description="Namespaces where creating or entering pods counts as node or cluster takeover.",
    )
    page_size: int = Field(default=500, ge=1, le=5000, description="`limit` of each list call.")
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=300)

    @field_validator("name")
    @classmethod
    def _name_is_a_label(cls, name: str) -> str:
        if not _CLUSTER_NAME.match(name):
            raise ValueError("must be lower-case letters, digits, '.', '-' or '_' (it names the cluster's scope)")
        return name

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer_is_https(cls, issuer: str | None) -> str | None:
        if issuer is not None and not issuer.startswith("https://"):
            raise ValueError("must be the issuer's https:// URL")
        return issuer

    @model_validator(mode="after")
    def _reached_one_way(self) -> ClusterConfig:
        ways = [self.context is not None, self.in_cluster, self.eks is not None and self.context is None]
        if sum(ways) != 1 or (self.in_cluster and self.context is not None):
            raise ValueError("give exactly one of context (kubeconfig), in_cluster: true, or eks (alone)")
        if self.kubeconfig is not None and self.context is None:
            raise ValueError("kubeconfig needs a context")
        return self

    @property
    def scope(self) -> str:
        """The cluster's scope in collection statuses, rule results and findings (the `account_id` column)."""
        return f"k8s:{self.name}"


_OU_OR_ROOT_ID = r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$"


class AccountSelector(_Strict):
    """Accounts picked by OU (recursively through child OUs), by id, or by tag; an account matching any one is in."""

    ou_ids: list[Annotated[str, Field(pattern=_OU_OR_ROOT_ID)]] = Field(default_factory=list)
    account_ids: list[Annotated[str, Field(pattern=r"^\d{12}$")]] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict, description="Tag key → value ('*' matches any value).")

    @property
    def empty(self) -> bool:
        return not (self.ou_ids or self.account_ids or self.tags)


class OrganizationConfig(_Strict):
    """Every account of an AWS Organization, discovered from the management (or delegated admin) account."""

    management_role_arn: RoleArn | None = Field(default=None, description="Role that may call organizations:List*.")
    profile: str | None = Field(default=None, description="Profile for the management credentials.")
    member_role_name: str = Field(default="AssuranceReadOnly", min_length=1, pattern=r"^[\w+=,.@/-]+$")
    external_id: str | None = Field(default=None, description="ExternalId the member (and management) roles require.")
    regions: Regions = Field(default_factory=lambda: ["us-east-1"], min_length=1)
    include: AccountSelector = Field(default_factory=AccountSelector, description="Empty: every account.")
    exclude: AccountSelector = Field(default_factory=AccountSelector)
    collect_service_last_accessed: bool = Field(
        default=False, description="Run IAM Access Advisor in every member account (as `accounts[]` does)."
    )
    members_are_known_accounts: bool = Field(
        default=True,
        description="Count every account of the organization (as ListAccounts returns it, excluded ones too) as a "
        "known account: a role trusting another member is not a third-party trust (NHI-LP-005). Off: only "
        "`known_accounts` are.",
    )
    collect_resources: bool = Field(
        default=True, description="List the resources that run as IAM roles in every member account (as `accounts[]`)."
    )
    collect_agents: bool = Field(
        default=False, description="Discover AI agents in every member account (as `accounts[]` does)."
    )


class DisabledRule(_Strict):
    """A rule the organization decided does not apply here (no second resource server to probe, no CloudTrail by
    design). It is not evaluated — so it cannot leave the day INCOMPLETE for ever — and every report lists it with
    this justification and approver: a reviewed, visible exception, never a silently missing rule."""

    rule_id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", description="e.g. NHI-PRB-003.")
    justification: str = Field(min_length=10, description="Why the rule does not apply (shown in every report).")
    approver: str = Field(min_length=3, description="Who accepted it (shown in every report).")


class FindingSlaConfig(_Strict):
    """Days a finding may stay open, counted from its first sighting, before the report flags it overdue."""

    critical: int = Field(default=7, ge=1, le=3650)
    high: int = Field(default=30, ge=1, le=3650)
    medium: int = Field(default=90, ge=1, le=3650)
    low: int = Field(default=180, ge=1, le=3650)


class AssuranceConfig(_Strict):
    storage_root: str = Field(default=DEFAULT_STORAGE_ROOT, description="Local folder or s3://bucket/prefix.")
    output_dir: str = DEFAULT_OUTPUT_DIR
    accounts: list[AccountConfig] = Field(
        default_factory=lambda: [AccountConfig(name="default")],
        description="Accounts listed by hand; with `organization`, extra accounts outside it (default none).",
    )
    owner_tag_keys: list[str] = Field(default_factory=lambda: ["owner", "Owner", "owner-email"], min_length=1)
    known_accounts: list[Annotated[str, Field(pattern=r"^\d{12}$")]] = Field(
        default_factory=list, description="Third-party accounts trusted without an ExternalId."
    )
    human_marker: HumanMarker = Field(default_factory=HumanMarker)
    directory_feed: DirectoryFeedConfig | None = None
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    max_attempts: int = Field(default=10, ge=1, le=20, description="botocore adaptive retry attempts.")
    expectations_dir: str | None = Field(default=None, description="Rule suites (default: the packaged ones).")
    waivers_file: str | None = Field(default=None, description="Reviewed waivers YAML.")
    disabled_rules: list[DisabledRule] = Field(
        default_factory=list, description="Rules not evaluated here, each with a justification and an approver."
    )
    baseline_dir: str | None = Field(
        default=None, description="Folder of reviewed baseline YAML files (approved permissions, trust, JIT, agents)."
    )
    agent_registry: str | None = Field(
        default=None, description="File export (YAML/JSON) of AI agents: id, runtime identity, tool scopes."
    )
    change_events: ChangeEventsConfig | None = Field(
        default=None, description="Rerun after IAM changes (off when absent)."
    )
    probes: ProbesConfig | None = Field(default=None, description="Active token-expiry probes (off when absent).")
    alerts: AlertsConfig | None = Field(default=None, description="Send newly opened findings (off when absent).")
    activity_lookback_days: int = Field(
        default=90,
        ge=1,
        le=400,
        description="Days of fully covered CloudTrail activity NHI-RT-005 judges unused grants over.",
    )
    organization_trail: TrailConfig | None = Field(
        default=None, description="One organization trail read for every account without its own `cloudtrail`."
    )
    learned_baseline_days: int = Field(
        default=30,
        ge=2,
        le=400,
        description="Days of stored activity each identity's learned behavioural baseline is built from "
        "(NHI-RT-006..008; docs/runtime.md).",
    )
    learned_baseline_min_days: int = Field(
        default=14,
        ge=1,
        le=400,
        description="Stored days an account (and an identity's age) needs before the learned rules judge it; "
        "until then they read INCOMPLETE naming the days stored.",
    )
    drift_history_days: int = Field(
        default=DEFAULT_DRIFT_HISTORY_DAYS,
        ge=1,
        le=400,
        description="Stored days (the report's own included) whose drift each identity page lists, newest first.",
    )
    partition_start: date | None = Field(
        default=None, description="First day of the daily partitions (default 2026-01-01); --date before it is refused."
    )

    @field_validator("disabled_rules")
    @classmethod
    def _each_rule_disabled_once(cls, rules: list[DisabledRule]) -> list[DisabledRule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.rule_id in seen:
                raise ValueError(f"{rule.rule_id} is listed twice; keep one entry")
            seen.add(rule.rule_id)
        return rules

    @property
    def disabled_rule_ids(self) -> frozenset[str]:
        return frozenset(rule.rule_id for rule in self.disabled_rules)

    def trail_for(self, account: AccountConfig) -> TrailConfig | None:
        """The trail whose logs are this account's runtime evidence (None: runtime rules read INCOMPLETE)."""
        return account.cloudtrail or self.organization_trail

    organization: OrganizationConfig | None = Field(
        default=None, description="Discover and collect every member account (docs/organizations.md)."
    )
    max_parallel_accounts: int = Field(
        default=8, ge=1, le=256, description="Accounts collected at the same time (threads, or Dagster steps)."
    )
    accounts_per_step: int = Field(
        default=50,
        ge=1,
        description="Most accounts one Dagster collection step collects, in up to max_parallel_accounts threads "
        "(`assurance-jobs run` collects every account in one step).",
    )
    finding_sla_days: FindingSlaConfig = Field(
        default_factory=FindingSlaConfig, description="Per severity, days a finding may stay open (overdue after)."
    )
    signing_key: str | None = Field(
        default=None,
        description="Ed25519 private key (PEM) that signs each snapshot manifest and report (`verify` checks them).",
    )
    clusters: list[ClusterConfig] = Field(
        default_factory=list, description="Kubernetes clusters whose workload identities are snapshotted."
    )

    @model_validator(mode="after")
    def _clusters_are_named_once_and_reach_known_accounts(self) -> AssuranceConfig:
        names = [cluster.name for cluster in self.clusters]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"cluster names must be unique, repeated: {', '.join(repeated)}")
        accounts = {account.name for account in self.accounts}
        for cluster in self.clusters:
            if cluster.eks is not None and cluster.eks.account not in accounts:
                raise ValueError(f"clusters '{cluster.name}': eks.account '{cluster.eks.account}' is not in accounts")
        return self

    def account_named(self, name: str) -> AccountConfig:
        return next(account for account in self.accounts if account.name == name)

    @field_validator("storage_root")
    @classmethod
    def _storage_root_is_a_folder_or_s3(cls, root: str) -> str:
        if root.startswith("s3://") and len(root) <= len("s3://"):
            raise ValueError("an s3:// root needs a bucket name")
        if "://" in root and not root.startswith("s3://"):
            raise ValueError("must be a local folder or s3://bucket/prefix")
        return root

    @model_validator(mode="before")
    @classmethod
    def _organization_replaces_the_default_account(cls, data: object) -> object:
        """With an organization, the ambient-credentials 'default' account is not scanned unless listed."""
        if isinstance(data, dict) and data.get("organization") is not None and "accounts" not in data:
            return {**data, "accounts": []}
        return data

    @model_validator(mode="after")
    def _some_account_is_scanned(self) -> AssuranceConfig:
        if not self.accounts and self.organization is None:
            raise ValueError("accounts: list at least one account, or configure an organization section")
        return self

    @model_validator(mode="after")
    def _learning_fits_its_window(self) -> AssuranceConfig:
        if self.learned_baseline_min_days > self.learned_baseline_days:
            raise ValueError("learned_baseline_min_days must not exceed learned_baseline_days")
        return self

    @model_validator(mode="after")
    def _account_names_are_unique(self) -> AssuranceConfig:
        names = [account.name for account in self.accounts]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"account names must be unique, repeated: {', '.join(duplicated)}")
        return self


def parse_config(data: object, source: str = "configuration") -> AssuranceConfig:
    """Validate already-parsed YAML; raise ConfigError naming the first bad field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings at the top level")
    try:
        return AssuranceConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            describe_validation_error(error, source, model=AssuranceConfig),
            validation_problems(error, source, model=AssuranceConfig),
        ) from None


def load_config(path: str | Path | None) -> AssuranceConfig:
    """Read the YAML file at `path`; with no path, the defaults (one account from the ambient credentials)."""
    if path is None:
        return AssuranceConfig()
    config_path = Path(path)
    return parse_config(read_yaml_file(config_path, "configuration file", ConfigError), str(config_path))
