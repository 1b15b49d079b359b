"""AI agents as the platforms configure them: who each agent runs as, which tools it can reach, which credentials
those tools use, and the edges that bring it into the principal graph (pure; docs/agents.md).

WHY here, not in the parsers: an agent's tools come from several sources at once — an AgentCore runtime reaches the
targets of every gateway it may call (gateways source), whether it may is decided by its role's IAM policies (the
authorization details) or by the gateway's inbound authorizer, and the credential a target uses is a provider of a
third source. So each parser only reads its records, and this module joins them, once, for the whole snapshot.

Decisions (each a fact, never a judgement — the rules live in `expectations/agents.json`):
* **Agents.** Every Bedrock agent and every AgentCore runtime is an AI agent (`kind` ai_agent) whose `arn` is its
  execution role. A `principal_links` row "runs as role/…" brings it into the escalation graph: its path, and its
  place in the blast radius of what it reaches, come from the same search as every IAM principal's.
* **Tool scope.** A Bedrock agent's tools are the enabled action groups of every version an alias routes to, each
  operation a tool when the schema names them (an S3 schema is not read: the group is one tool). An AgentCore
  runtime's tools are every target (and each of its tools) of every gateway of its account it *may call*:
  - `NONE`: anyone may call it;
  - `AWS_IAM`: the runtime's role may call `bedrock-agentcore:InvokeGateway` on the gateway's ARN (its policies,
    boundary and conditions read with the escalation analysis' resource-aware grants);
  - a JWT authorizer limited to workloads (`allowedWorkloadConfiguration`): the runtime or its workload identity
    is listed; without that limit: the runtime can present a token the gateway accepts — its role may fetch OAuth2
    tokens (`bedrock-agentcore:GetResourceOauth2Token`), or its own callers' tokens come from the same issuer.
  "May reach" over-reports rather than hides: it is what a prompt-injected agent could do, not what it did.
* **Credentials.** OAuth2-client and API-key credential providers are credentials (kinds `oauth2_client`,
  `api_key`) of the agents whose reachable targets use them (`used_by`); one used by a single agent is owned by it.
* **Gateways.** Each gateway is a row (`kind` agent_gateway, `arn` its role) with its inbound authorizer in one
  word (`inbound_auth`: iam, jwt_restricted, jwt_any_audience, jwt_any_issuer, none, unknown) and the targets
  whose outbound credential is a static API key.
* **IAM actions of a scope** (`tool_actions`): what the role of an agent with these tools is documented to call —
  an AgentCore runtime's execution-role actions (aws-cdk `aws-bedrock-agentcore-alpha` runtime/perms.ts), Bedrock
  model invocation, and the calls its tools imply (InvokeGateway, OAuth2 tokens, Retrieve, ApplyGuardrail). The
  runtime step unites them with the baseline's approvals, so NHI-RT-003 / NHI-AG-007 judge calls against them.
* **Unknowns.** Any call that failed for an agent, or a region whose gateways could not be read (a runtime may call
  gateways of every region), is counted in `evidence_gap_count`: its verdicts read INCOMPLETE, never PASS.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from assurance_jobs.scan.agent_platform import (
    EMPTY_PLATFORM,
    ActionGroup,
    AgentPlatform,
    BedrockAgent,
    CredentialProvider,
    Gateway,
    InboundAuth,
    Origin,
    Runtime,
    Target,
)
from assurance_jobs.scan.grants import NO, Grants, bit, grants_of
from assurance_jobs.scan.inventory import Inventory, Parser
from assurance_jobs.scan.ownership import owner_from_tags, owner_status
from assurance_jobs.scan.policy import PolicyParseError
from assurance_jobs.scan.sources.common import Context, Provenance, credential_row
from assurance_jobs.schema import (
    AGENT_COLUMNS,
    AGENT_TOOL_COLUMNS,
    CREDENTIAL_COLUMNS,
    PRINCIPAL_LINK_COLUMNS,
    UTC_TIME,
    Columns,
)
from assurance_jobs.snapshot.model import Snapshot

AI_AGENT = "ai_agent"
AGENT_GATEWAY = "agent_gateway"
REGISTERED_AGENT = "registered_agent"
BEDROCK_AGENTS = "bedrock-agents"
AGENTCORE = "agentcore"
DISPLAY_CAP = 25
GATEWAYS_SOURCE = "agentcore_gateways"
GATEWAY_OWN_TARGET = "a target of this gateway"

INVOKE_GATEWAY = "bedrock-agentcore:InvokeGateway"
FETCH_OAUTH2_TOKEN = "bedrock-agentcore:GetResourceOauth2Token"
FETCH_API_KEY = "bedrock-agentcore:GetResourceApiKey"
MODEL_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
RUNTIME_ROLE_ACTIONS = (
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetAuthorizationToken",
    "logs:DescribeLogStreams",
    "logs:CreateLogGroup",
    "logs:DescribeLogGroups",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "cloudwatch:PutMetricData",
    "bedrock-agentcore:GetWorkloadAccessToken",
    "bedrock-agentcore:GetWorkloadAccessTokenForJWT",
    "bedrock-agentcore:GetWorkloadAccessTokenForUserId",
    *MODEL_ACTIONS,
)
"""An AgentCore runtime's execution-role actions as AWS's CDK construct grants them (runtime/perms.ts)."""
IDENTITY_ATTACHMENTS = frozenset({"inline", "managed", "group_inline", "group_managed"})


# ------------------------------------------------------------------------------------------------ result


@dataclass(frozen=True)
class AgentTables:
    """The agent-platform rows of one snapshot, before the baseline is consulted."""

    agents: pd.DataFrame
    tools: pd.DataFrame
    links: list[dict[str, Any]] = field(default_factory=list)
    credentials: list[dict[str, Any]] = field(default_factory=list)


def frame_of(rows: Sequence[Mapping[str, Any]], columns: Columns) -> pd.DataFrame:
    """Rows (missing keys: NA) as a frame with exactly `columns` and their dtypes."""
    data = {}
    for name, dtype in columns.items():
        values = pd.Series([row.get(name) for row in rows], dtype=object)
        if dtype == UTC_TIME:
            data[name] = pd.to_datetime(values, utc=True).astype(UTC_TIME)
        elif dtype in ("object", "str"):
            data[name] = values
        else:
            data[name] = values.astype(dtype)
    return pd.DataFrame(data, columns=list(columns))


def display(names: Iterable[str], cap: int = DISPLAY_CAP) -> str:
    ordered = sorted(set(names))
    shown = ",".join(ordered[:cap])
    return shown + (f" (+{len(ordered) - cap} more)" if len(ordered) > cap else "")


# ------------------------------------------------------------------------------------------------ helpers


def role_label(arn: str | None) -> str:
    """'arn:aws:iam::1:role/path/x' -> 'role/path/x' (as the escalation graph names its steps)."""
    return arn.split(":", 5)[-1] if arn else "(no role)"


def inbound_class(auth: InboundAuth) -> str:
    """Who may call, in one word: iam, none, jwt_restricted, jwt_any_audience, jwt_any_issuer or unknown."""
    if auth.type == "AWS_IAM":
        return "iam"
    if auth.type == "NONE":
        return "none"
    if not auth.type:
        return "unknown"
    if not auth.discovery_url:
        return "jwt_any_issuer"
    if not (auth.audiences or auth.clients or auth.scopes or auth.claims):
        return "jwt_any_audience"
    return "jwt_restricted"


class _RoleGrants:
    """Each role's resource-aware grants (read as the escalation analysis reads them), built on first use."""

    def __init__(self, policies: pd.DataFrame, ctx: Context) -> None:
        self._docs: dict[str, tuple[list[str], list[str]]] = {}
        if len(policies):
            for arn, attachment, document in zip(
                policies["principal_arn"], policies["attachment"], policies["document"], strict=True
            ):
                if not isinstance(document, str):
                    continue
                identity, boundary = self._docs.setdefault(str(arn), ([], []))
                if attachment in IDENTITY_ATTACHMENTS:
                    identity.append(document)
                elif attachment == "boundary":
                    boundary.append(document)
        self._ctx = ctx
        self._built: dict[str, Grants | None] = {}

    def known(self, arn: str | None) -> bool:
        return arn is not None and arn in self._docs

    def of(self, arn: str | None) -> Grants | None:
        if arn is None or arn not in self._docs:
            return None
        if arn not in self._built:
            identity, boundary = self._docs[arn]
            self._built[arn] = Grants(self._parsed(identity), self._parsed(boundary) if boundary else None)
        return self._built[arn]

    def _parsed(self, documents: list[str]) -> list[Any]:
        found = []
        for document in documents:
            try:
                found += grants_of(document, self._ctx.taken_at)
            except PolicyParseError:
                continue  # an unreadable document: its principal's facts are INCOMPLETE through the IAM rules
        return found

    def may(self, arn: str | None, action: str, resource: str) -> bool:
        grants = self.of(arn)
        return grants is not None and grants.may(bit(action), resource) != NO

    def holds(self, arn: str | None, action: str) -> bool:
        grants = self.of(arn)
        return grants is not None and grants.holds(bit(action))


# ------------------------------------------------------------------------------------------------ tools


def _tool_row(agent_id: str, agent_name: str, origin: Origin, tool: str, **facts: Any) -> dict[str, Any]:
    return {
        "account_id": origin.account_id,
        "region": origin.region,
        "agent_id": agent_id,
        "agent_name": agent_name,
        "tool": tool,
        "source_file": origin.source_file,
        "source_sha256": origin.source_sha256,
        **facts,
    }


def action_group_tools(agent: BedrockAgent) -> list[dict[str, Any]]:
    """One row per enabled action group of the routed versions, or per operation when the schema names them."""
    seen: dict[str, dict[str, Any]] = {}
    for group in agent.action_groups:
        if not group.enabled:
            continue
        base = f"action-group/{group.name}"
        leaves = [f"{base}/{op}" for op in group.operations] if group.operations else [base]
        for leaf, operation in zip(leaves, group.operations or ("",), strict=False):
            seen.setdefault(
                leaf, _tool_row(agent.arn, agent.name, agent.origin, leaf, **_group_facts(group, operation))
            )
    return list(seen.values())


def _group_facts(group: ActionGroup, operation: str) -> dict[str, Any]:
    executor = "return_control" if group.executor == "RETURN_CONTROL" else ("lambda" if group.executor else "")
    return {
        "tool_kind": "action_group",
        "target_name": group.name,
        "target_type": executor or (group.signature or "built_in"),
        "endpoint": group.executor if group.executor != "RETURN_CONTROL" else "",
        "reachable_via": f"action group of version {group.version}",
    }


def target_leaves(gateway: Gateway, target: Target) -> list[str]:
    base = f"gateway/{gateway.name}/{target.name}"
    return [f"{base}/{tool}" for tool in target.tools] if target.tools else [base]


def _target_rows(agent_id: str, agent_name: str, origin: Origin, gateway: Gateway, via: str) -> list[dict[str, Any]]:
    rows = []
    for target in gateway.targets:
        credential = next((c for c in target.credentials if c.provider_arn), None)
        facts = {
            "tool_kind": "gateway_target",
            "gateway_arn": gateway.arn,
            "gateway_name": gateway.name,
            "target_id": target.target_id,
            "target_name": target.name,
            "target_type": target.kind,
            "endpoint": target.endpoint,
            "credential_type": ",".join(sorted({c.type for c in target.credentials if c.type})),
            "credential_arn": credential.provider_arn if credential else "",
            "reachable_via": via,
        }
        rows += [_tool_row(agent_id, agent_name, origin, leaf, **facts) for leaf in target_leaves(gateway, target)]
    return rows


def reach(runtime: Runtime, gateway: Gateway, grants: _RoleGrants) -> str | None:
    """Why the runtime may call the gateway (None: it may not) — the rules of the module docstring."""
    auth = gateway.inbound
    if auth.type == "NONE":
        return "the gateway has no inbound authorizer: anyone may call it"
    if auth.type == "AWS_IAM":
        if grants.may(runtime.role_arn, INVOKE_GATEWAY, gateway.arn):
            return f"IAM: {role_label(runtime.role_arn)} may call {INVOKE_GATEWAY} on it"
        return None
    if auth.restricts_workloads:
        workload = runtime.workload_identity_arn or ""
        if any(
            runtime.arn and (env == runtime.arn or env.startswith(runtime.arn)) for env in auth.hosting_environments
        ):
            return "JWT: the gateway admits this runtime as a hosting environment"
        if workload and any(w in (workload, workload.rpartition("/")[2]) for w in auth.workload_identities):
            return "JWT: the gateway admits this runtime's workload identity"
        return None
    if grants.holds(runtime.role_arn, FETCH_OAUTH2_TOKEN):
        return f"JWT from any client of its issuer: {role_label(runtime.role_arn)} may fetch OAuth2 tokens"
    if auth.discovery_url and auth.discovery_url == runtime.inbound.discovery_url:
        return "JWT: the runtime's own callers hold tokens of the same issuer"
    return None


# ------------------------------------------------------------------------------------------------ rows


def _owner(tags: Mapping[str, str], ctx: Context) -> tuple[str | None, str]:
    owner, _key = owner_from_tags(dict(tags), ctx.owner_tag_keys)
    return owner, owner_status(owner, ctx.directory, ctx.taken_at)


def _base_row(origin: Origin, agent_id: str, role: str | None, grants: _RoleGrants, ctx: Context) -> dict[str, Any]:
    return {
        "account_id": origin.account_id,
        "agent_id": agent_id,
        "arn": role,
        "region": origin.region,
        "identity_found": grants.known(role),
        "identity_kind": "role" if grants.known(role) else None,
        "role_unknown_count": 0 if grants.known(role) else 1,
        "in_baseline": False,
        "source_file": origin.source_file,
        "source_sha256": origin.source_sha256,
    }


def _agent_facts(tools: list[dict[str, Any]], actions: Iterable[str], gaps: int) -> dict[str, Any]:
    leaves = [row["tool"] for row in tools]
    providers = [row["credential_arn"] for row in tools if row.get("credential_arn")]
    return {
        "tools": display(leaves),
        "tool_count": len(set(leaves)),
        "tool_actions": ",".join(sorted(set(actions))),
        "credentials": display(providers),
        "evidence_gap_count": gaps,
    }


def bedrock_agent_row(agent: BedrockAgent, tools: list[dict[str, Any]], grants: _RoleGrants, ctx: Context) -> dict:
    owner, status = _owner(agent.tags, ctx)
    actions = list(MODEL_ACTIONS)
    actions += ["bedrock:Retrieve"] if agent.knowledge_bases else []
    actions += ["bedrock:ApplyGuardrail"] if agent.guardrail else []
    actions += ["s3:GetObject"] if any(g.schema_location for g in agent.action_groups) else []
    return {
        **_base_row(agent.origin, agent.arn, agent.role_arn, grants, ctx),
        "kind": AI_AGENT,
        "platform": BEDROCK_AGENTS,
        "name": agent.name,
        "status": agent.status,
        "created": agent.created,
        "tags": json.dumps(dict(agent.tags), sort_keys=True),
        "owner": owner,
        "owner_status": status,
        "classification_reason": "AI agent (Amazon Bedrock Agents)",
        "foundation_model": agent.foundation_model,
        "guardrail": agent.guardrail,
        "knowledge_bases": display(agent.knowledge_bases),
        "endpoints": display(agent.aliases),
        **_agent_facts(tools, actions, len(agent.errors)),
    }


def runtime_row(
    runtime: Runtime,
    tools: list[dict[str, Any]],
    reached: Sequence[Gateway],
    grants: _RoleGrants,
    gaps: int,
    ctx: Context,
) -> dict[str, Any]:
    owner, status = _owner(runtime.tags, ctx)
    actions = list(RUNTIME_ROLE_ACTIONS)
    actions += [INVOKE_GATEWAY] if reached else []
    actions += [FETCH_OAUTH2_TOKEN] if any(g.inbound.type not in ("AWS_IAM", "NONE") for g in reached) else []
    return {
        **_base_row(runtime.origin, runtime.arn, runtime.role_arn, grants, ctx),
        "kind": AI_AGENT,
        "platform": AGENTCORE,
        "name": runtime.name,
        "status": runtime.status,
        "created": runtime.created,
        "tags": json.dumps(dict(runtime.tags), sort_keys=True),
        "owner": owner,
        "owner_status": status,
        "classification_reason": "AI agent (Amazon Bedrock AgentCore runtime)",
        "network_mode": runtime.network_mode,
        "workload_identity": runtime.workload_identity_arn,
        "endpoints": display(runtime.endpoints),
        "inbound_auth": inbound_class(runtime.inbound),
        **_agent_facts(tools, actions, len(runtime.errors) + gaps),
    }


def gateway_row(gateway: Gateway, grants: _RoleGrants, ctx: Context) -> dict[str, Any]:
    owner, status = _owner(gateway.tags, ctx)
    tools = _target_rows(gateway.arn, gateway.name, gateway.origin, gateway, GATEWAY_OWN_TARGET)
    api_keys = [
        f"{t.name} ({c.provider_arn.rpartition('/')[2] if c.provider_arn else 'API key'})"
        for t in gateway.targets
        for c in t.credentials
        if c.type == "API_KEY"
    ]
    kinds = {c.type for t in gateway.targets for c in t.credentials}
    actions = ["lambda:InvokeFunction"] if any(t.kind == "lambda" for t in gateway.targets) else []
    actions += [FETCH_OAUTH2_TOKEN] if "OAUTH" in kinds else []
    actions += [FETCH_API_KEY] if "API_KEY" in kinds else []
    actions += ["bedrock-agentcore:GetWorkloadAccessToken"] if kinds & {"OAUTH", "API_KEY"} else []
    gaps = len(gateway.errors) + sum(len(t.errors) for t in gateway.targets)
    return {
        **_base_row(gateway.origin, gateway.arn, gateway.role_arn, grants, ctx),
        "kind": AGENT_GATEWAY,
        "platform": AGENTCORE,
        "name": gateway.name,
        "status": gateway.status,
        "created": gateway.created,
        "tags": json.dumps(dict(gateway.tags), sort_keys=True),
        "owner": owner,
        "owner_status": status,
        "classification_reason": "MCP gateway (Amazon Bedrock AgentCore)",
        "endpoints": gateway.url,
        "inbound_auth": inbound_class(gateway.inbound),
        "api_key_targets": display(api_keys),
        "api_key_target_count": len(api_keys),
        **_agent_facts(tools, actions, gaps),
    }


def link_row(agent_id: str, kind_label: str, name: str, role: str, origin: Origin) -> dict[str, Any]:
    return {
        "account_id": origin.account_id,
        "source_id": agent_id,
        "source_kind": AI_AGENT,
        "source_name": f"{kind_label}/{name}",
        "target_id": role,
        "label": f"runs as {role_label(role)}",
        "conditional": False,
        "source_file": origin.source_file,
        "source_sha256": origin.source_sha256,
    }


def credential_rows(
    providers: Iterable[CredentialProvider], used_by: Mapping[str, set[str]], ctx: Context
) -> list[dict[str, Any]]:
    """Credential rows of the providers, owned by the one agent that uses each (shared or unused: no owner)."""
    rows = []
    for provider in providers:
        users = sorted(used_by.get(provider.arn, ()))
        provenance = Provenance(provider.origin.source_file, provider.origin.source_sha256)
        row = credential_row(
            ctx,
            provenance,
            account_id=provider.origin.account_id,
            credential_id=provider.arn,
            kind=provider.kind,
            owner_arn=users[0] if len(users) == 1 else None,
            owner_is_nhi=True,
            region=provider.origin.region,
            created=provider.created,
            last_rotated=provider.updated,
            last_used=None,
            usage_tracked=False,
            active=True,
        )
        rows.append({**row, "used_by": display(users), "used_by_count": len(users)})
    return rows


# ------------------------------------------------------------------------------------------------ analysis


def _unreadable_gateway_regions(statuses: pd.DataFrame) -> dict[str, int]:
    """Per account, the regions whose gateway listing was not clean (a runtime may call any region's gateway)."""
    if statuses is None or not len(statuses):
        return {}
    bad = statuses[(statuses["source"] == GATEWAYS_SOURCE) & (statuses["status"] != "ok")]
    return {str(account): len(rows) for account, rows in bad.groupby("account_id")}


def agent_tables(
    platform: AgentPlatform, policies: pd.DataFrame, collection_status: pd.DataFrame, ctx: Context
) -> AgentTables:
    """Every discovered agent and gateway as a row, their reachable tools, links to their roles, and the
    credential providers with the agents that use them."""
    grants = _RoleGrants(policies, ctx)
    unreadable = _unreadable_gateway_regions(collection_status)
    agents: list[dict[str, Any]] = []
    tools: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    used_by: dict[str, set[str]] = {}
    for agent in platform.bedrock_agents:
        found = action_group_tools(agent)
        tools += found
        agents.append(bedrock_agent_row(agent, found, grants, ctx))
        if agent.role_arn:
            links.append(link_row(agent.arn, "agent", agent.name, agent.role_arn, agent.origin))
    gateways_by_account: dict[str, list[Gateway]] = {}
    for gateway in platform.gateways:
        gateways_by_account.setdefault(gateway.origin.account_id, []).append(gateway)
        agents.append(gateway_row(gateway, grants, ctx))
        tools += _target_rows(gateway.arn, gateway.name, gateway.origin, gateway, GATEWAY_OWN_TARGET)
    for runtime in platform.runtimes:
        found, reached, gaps = [], [], unreadable.get(runtime.origin.account_id, 0)
        for gateway in gateways_by_account.get(runtime.origin.account_id, []):
            via = reach(runtime, gateway, grants)
            if via is None:
                continue
            reached.append(gateway)
            gaps += len(gateway.errors) + sum(len(t.errors) for t in gateway.targets)
            found += _target_rows(runtime.arn, runtime.name, runtime.origin, gateway, via)
        for row in found:
            if row.get("credential_arn"):
                used_by.setdefault(row["credential_arn"], set()).add(runtime.arn)
        tools += found
        agents.append(runtime_row(runtime, found, reached, grants, gaps, ctx))
        if runtime.role_arn:
            links.append(link_row(runtime.arn, "runtime", runtime.name, runtime.role_arn, runtime.origin))
    return AgentTables(
        agents=frame_of(agents, AGENT_COLUMNS).sort_values(["account_id", "kind", "agent_id"], ignore_index=True),
        tools=frame_of(tools, AGENT_TOOL_COLUMNS).sort_values(["account_id", "agent_id", "tool"], ignore_index=True),
        links=links,
        credentials=credential_rows(platform.credential_providers, used_by, ctx),
    )


# ------------------------------------------------------------------------------------------------ snapshot


def agent_platform_of(snapshot: Snapshot, parsers: Mapping[str, Parser], ctx: Context) -> AgentPlatform:
    """What every agent-platform source (the registry's `parsers("agent_platform")`) holds for every account."""
    manifest = snapshot.manifest
    accounts = sorted(set(manifest.accounts) | {entry.account_id for entry in manifest.files})
    platform = EMPTY_PLATFORM
    for account_id in accounts:
        for parse in parsers.values():
            found = parse(snapshot, account_id, ctx)
            if isinstance(found, AgentPlatform):
                platform = platform.merged(found)
    return platform


def with_platform_rows(inventory: Inventory, tables: AgentTables, warnings: Sequence[str] = ()) -> Inventory:
    """The inventory with the agents' "runs as" links (before the graph is searched) and the credential providers
    among its credentials; the agent rows themselves are judged later (baseline/agents.py)."""
    links = frame_of([*inventory.principal_links.to_dict("records"), *tables.links], PRINCIPAL_LINK_COLUMNS)
    credentials = inventory.credentials
    if tables.credentials:
        added = frame_of(tables.credentials, CREDENTIAL_COLUMNS)
        credentials = pd.concat([credentials, added], ignore_index=True) if len(credentials) else added
        credentials = credentials.sort_values(["account_id", "credential_id"], ignore_index=True)
    return replace(
        inventory,
        principal_links=links.sort_values(["account_id", "source_id", "target_id"], ignore_index=True),
        credentials=credentials,
        agent_tools=tables.tools,
        parse_warnings=[*inventory.parse_warnings, *warnings],
    )
