"""What the agent-platform sources say, as typed records: Bedrock agents, AgentCore runtimes, gateways and their
targets, credential providers, workload identities and memories (pure; parsed by `scan/sources/agentcore_*.py`
and `bedrock_agents.py` from the reduced pages `collect/agents.py` stored).

The records keep only what the collector kept — names, ARNs, types, states and timestamps — and say where each
came from (`Origin`: account, region, snapshot file and sha256), so every agent fact traces to its evidence. An item
whose details could not be read keeps the failed calls in `errors`: its facts are unknown, never empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from assurance_jobs.scan.sources.common import Context, Provenance, dicts, load_pages
from assurance_jobs.snapshot.model import Snapshot


@dataclass(frozen=True)
class Origin:
    """Where a record was read: the account and region, and the snapshot file (path, sha256) it came from."""

    account_id: str
    region: str
    source_file: str
    source_sha256: str


@dataclass(frozen=True)
class InboundAuth:
    """Who may call a runtime or gateway: `type` CUSTOM_JWT / AWS_IAM / NONE (as AgentCore names them), and for a
    JWT authorizer the issuer's discovery URL and what a token must carry, and which workloads it is limited to."""

    type: str
    discovery_url: str | None = None
    audiences: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    hosting_environments: tuple[str, ...] = ()
    workload_identities: tuple[str, ...] = ()

    @property
    def restricts_workloads(self) -> bool:
        return bool(self.hosting_environments or self.workload_identities)


@dataclass(frozen=True)
class ActionGroup:
    """A Bedrock agent's tool: an action group of one agent version, with its executor and operations."""

    version: str
    group_id: str
    name: str
    enabled: bool
    executor: str
    """The Lambda function ARN, `RETURN_CONTROL`, or '' for a built-in signature (user input, code interpreter)."""
    signature: str
    operations: tuple[str, ...]
    operations_known: bool
    """False when the API schema is in S3 (not read) or inline but unreadable: the group is one tool as a whole."""
    schema_location: str = ""


@dataclass(frozen=True)
class BedrockAgent:
    origin: Origin
    agent_id: str
    arn: str
    name: str
    status: str
    role_arn: str | None
    foundation_model: str | None
    guardrail: str | None
    versions: tuple[str, ...]
    action_groups: tuple[ActionGroup, ...]
    knowledge_bases: tuple[str, ...]
    aliases: tuple[str, ...]
    tags: Mapping[str, str]
    created: datetime | None
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Runtime:
    """An AgentCore agent runtime: the agent's code, running as `role_arn`."""

    origin: Origin
    arn: str
    runtime_id: str
    name: str
    status: str
    role_arn: str | None
    network_mode: str | None
    inbound: InboundAuth
    workload_identity_arn: str | None
    endpoints: tuple[str, ...]
    environment_variable_names: tuple[str, ...]
    tags: Mapping[str, str]
    created: datetime | None
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutboundCredential:
    """How a gateway target authenticates to what it calls: `type` GATEWAY_IAM_ROLE / OAUTH / API_KEY / … and the
    credential provider it names (OAuth2 client or API key)."""

    type: str
    provider_arn: str | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """A gateway target: an MCP server, Lambda function, OpenAPI / Smithy API … and the tools it exposes."""

    target_id: str
    name: str
    kind: str
    """mcpServer, lambda, openApiSchema, smithyModel, apiGateway, agentcoreRuntime, passthrough, …"""
    endpoint: str
    tools: tuple[str, ...]
    tools_known: bool
    credentials: tuple[OutboundCredential, ...]
    status: str
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gateway:
    origin: Origin
    arn: str
    gateway_id: str
    name: str
    url: str | None
    status: str
    role_arn: str | None
    inbound: InboundAuth
    targets: tuple[Target, ...]
    tags: Mapping[str, str]
    created: datetime | None
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CredentialProvider:
    """An AgentCore Identity credential provider: `kind` oauth2_client or api_key (its secret stays in the vault)."""

    origin: Origin
    arn: str
    name: str
    kind: str
    vendor: str | None
    created: datetime | None
    updated: datetime | None


@dataclass(frozen=True)
class WorkloadIdentity:
    origin: Origin
    arn: str
    name: str


@dataclass(frozen=True)
class Memory:
    origin: Origin
    arn: str
    memory_id: str
    name: str
    status: str
    role_arn: str | None
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgentPlatform:
    """Everything the agent-platform sources hold, for every account and region of a snapshot."""

    bedrock_agents: tuple[BedrockAgent, ...] = ()
    runtimes: tuple[Runtime, ...] = ()
    gateways: tuple[Gateway, ...] = ()
    credential_providers: tuple[CredentialProvider, ...] = ()
    workload_identities: tuple[WorkloadIdentity, ...] = ()
    memories: tuple[Memory, ...] = ()
    accounts: frozenset[str] = field(default_factory=frozenset)
    """Accounts for which at least one agent-platform file was read."""

    def merged(self, other: AgentPlatform) -> AgentPlatform:
        joined = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self) if f.name != "accounts"}
        return AgentPlatform(**joined, accounts=self.accounts | other.accounts)

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "accounts")


EMPTY_PLATFORM = AgentPlatform()


# ------------------------------------------------------------------------------------------ reading helpers


def regional_pages(
    snapshot: Snapshot, account_id: str, source: str, ctx: Context
) -> Iterator[tuple[Origin, list[dict[str, Any]]]]:
    """(origin, pages) of every region the snapshot holds `source` for, in region order."""
    regions = sorted(
        {f.region for f in snapshot.manifest.files if f.account_id == account_id and f.source == source and f.region}
    )
    for region in regions:
        loaded = load_pages(snapshot, account_id, source, region, ctx.warnings)
        if loaded is not None:
            pages, provenance = loaded
            yield _origin(account_id, region, provenance), pages


def _origin(account_id: str, region: str, provenance: Provenance) -> Origin:
    return Origin(account_id, region, provenance.source_file, provenance.source_sha256)


def items(pages: Iterable[Mapping[str, Any]], operation: str, key: str) -> Iterator[dict[str, Any]]:
    """The items of the pages one operation answered (a source stores several lists, each page tagged)."""
    for page in pages:
        if page.get("operation", operation) == operation:
            yield from dicts(page.get(key))


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def texts(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value if isinstance(item, str | int)) if isinstance(value, list) else ()


def errors_of(item: Mapping[str, Any]) -> tuple[str, ...]:
    found = item.get("errors")
    return tuple(f"{op}: {code}" for op, code in sorted(found.items())) if isinstance(found, Mapping) else ()


def labels(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def inbound_auth(authorizer_type: str, configuration: Any) -> InboundAuth:
    """An authorizer as AgentCore describes it (`authorizerType` + `authorizerConfiguration`)."""
    jwt = configuration.get("customJWTAuthorizer") if isinstance(configuration, Mapping) else None
    if not isinstance(jwt, Mapping):
        return InboundAuth(authorizer_type)
    workloads = jwt.get("allowedWorkloadConfiguration")
    workloads = workloads if isinstance(workloads, Mapping) else {}
    return InboundAuth(
        type=authorizer_type,
        discovery_url=text(jwt.get("discoveryUrl")) or None,
        audiences=texts(jwt.get("allowedAudience")),
        clients=texts(jwt.get("allowedClients")),
        scopes=texts(jwt.get("allowedScopes")),
        claims=tuple(text(c.get("inboundTokenClaimName")) for c in dicts(jwt.get("customClaims"))),
        hosting_environments=tuple(text(h.get("arn")) for h in dicts(workloads.get("hostingEnvironments"))),
        workload_identities=texts(workloads.get("workloadIdentities")),
    )
