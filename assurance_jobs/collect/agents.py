"""Collectors of the two AWS agent platforms, per account and region: Amazon Bedrock Agents (`bedrock-agent`) and
Amazon Bedrock AgentCore (`bedrock-agentcore-control`). Metadata only (docs/agents.md).

Why it looks like this:
* **Allow-lists, never deny-lists.** Agent configuration is full of free text that may hold a secret: an agent's
  instruction and prompt templates, a runtime's environment variables, inline OpenAPI / Smithy / MCP tool schemas,
  a gateway's MCP instructions, descriptions, OAuth custom parameters, passthrough query parameters. Each response
  is reduced to the names, ARNs, types, states and timestamps named below *before* anything is kept; a field AWS
  adds tomorrow is dropped until someone reviews it here. Inline schemas become the list of their operation or
  tool names; environment variables the list of their names; endpoints lose their query string and user info.
  No call here returns a secret value (API keys and client secrets are write-only in AgentCore Identity; their
  providers answer with the Secrets Manager ARN) and none is kept if one ever did.
* **One call per page, one Get per item that needs it.** Every list is paginated with the largest page its
  service model allows; details come from one Get per agent, action group, runtime, gateway, target and memory;
  tags from one ListTagsForResource per agent, runtime and gateway. Credential providers and workload identities
  are read from their lists alone: the list has every fact the rules use.
* **A failure is recorded, never raised.** A failed list keeps the pages that arrived (`partial`, or `error` when
  nothing did); a failed per-item call marks that item (`errors`: operation → error code) and makes the source
  `partial`, so exactly the agent rules of that account and region read INCOMPLETE.

The stored file is `{"pages": [...]}`: each page of the source's top-level lists, tagged with its `operation`,
with its items reduced as above and carrying their details (`agent`, `versions`, `targets`, `tags`, …).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.collect.aws import _failure, encode_pages
from assurance_jobs.source import AwsSource, CollectFailure, CollectResult, MakeClient

Spec = Mapping[str, Any]
"""Field name → `_KEEP` (a scalar or a list of scalars, kept as it is), `_LABELS` (a map of text to text: tags) or
a nested Spec (those fields of the object, or of each object of the list)."""

_KEEP = "value"
_LABELS = "labels"
_GUARDRAIL: Spec = {"guardrailIdentifier": _KEEP, "guardrailVersion": _KEEP}
AGENT_SUMMARY: Spec = {
    "agentId": _KEEP,
    "agentName": _KEEP,
    "agentStatus": _KEEP,
    "latestAgentVersion": _KEEP,
    "updatedAt": _KEEP,
    "guardrailConfiguration": _GUARDRAIL,
}
AGENT: Spec = {
    "agentId": _KEEP,
    "agentName": _KEEP,
    "agentArn": _KEEP,
    "agentVersion": _KEEP,
    "agentStatus": _KEEP,
    "agentResourceRoleArn": _KEEP,
    "foundationModel": _KEEP,
    "orchestrationType": _KEEP,
    "agentCollaboration": _KEEP,
    "customerEncryptionKeyArn": _KEEP,
    "idleSessionTTLInSeconds": _KEEP,
    "createdAt": _KEEP,
    "updatedAt": _KEEP,
    "preparedAt": _KEEP,
    "guardrailConfiguration": _GUARDRAIL,
    "memoryConfiguration": {"enabledMemoryTypes": _KEEP, "storageDays": _KEEP},
    "customOrchestration": {"executor": {"lambda": _KEEP}},
    "promptOverrideConfiguration": {"overrideLambda": _KEEP},
}
ALIAS: Spec = {
    "agentAliasId": _KEEP,
    "agentAliasName": _KEEP,
    "agentAliasStatus": _KEEP,
    "aliasInvocationState": _KEEP,
    "createdAt": _KEEP,
    "updatedAt": _KEEP,
    "routingConfiguration": {"agentVersion": _KEEP},
}
ACTION_GROUP_SUMMARY: Spec = {"actionGroupId": _KEEP, "actionGroupName": _KEEP, "actionGroupState": _KEEP}
ACTION_GROUP: Spec = {
    "actionGroupId": _KEEP,
    "actionGroupName": _KEEP,
    "actionGroupState": _KEEP,
    "agentId": _KEEP,
    "agentVersion": _KEEP,
    "parentActionSignature": _KEEP,
    "createdAt": _KEEP,
    "updatedAt": _KEEP,
    "actionGroupExecutor": {"lambda": _KEEP, "customControl": _KEEP},
    "apiSchema": {"s3": {"s3BucketName": _KEEP, "s3ObjectKey": _KEEP}},
    "functionSchema": {"functions": {"name": _KEEP, "requireConfirmation": _KEEP}},
}
AGENT_KNOWLEDGE_BASE: Spec = {"knowledgeBaseId": _KEEP, "knowledgeBaseState": _KEEP, "updatedAt": _KEEP}

AUTHORIZER: Spec = {
    "customJWTAuthorizer": {
        "discoveryUrl": _KEEP,
        "allowedAudience": _KEEP,
        "allowedClients": _KEEP,
        "allowedScopes": _KEEP,
        "customClaims": {"inboundTokenClaimName": _KEEP, "inboundTokenClaimValueType": _KEEP},
        "allowedWorkloadConfiguration": {"hostingEnvironments": {"arn": _KEEP}, "workloadIdentities": _KEEP},
    }
}
RUNTIME_SUMMARY: Spec = {
    "agentRuntimeArn": _KEEP,
    "agentRuntimeId": _KEEP,
    "agentRuntimeVersion": _KEEP,
    "agentRuntimeName": _KEEP,
    "status": _KEEP,
    "lastUpdatedAt": _KEEP,
}
RUNTIME: Spec = {
    "agentRuntimeArn": _KEEP,
    "agentRuntimeName": _KEEP,
    "agentRuntimeId": _KEEP,
    "agentRuntimeVersion": _KEEP,
    "createdAt": _KEEP,
    "lastUpdatedAt": _KEEP,
    "roleArn": _KEEP,
    "status": _KEEP,
    "networkConfiguration": {
        "networkMode": _KEEP,
        "networkModeConfig": {"securityGroups": _KEEP, "subnets": _KEEP},
    },
    "authorizerConfiguration": AUTHORIZER,
    "workloadIdentityDetails": {"workloadIdentityArn": _KEEP},
    "protocolConfiguration": {"serverProtocol": _KEEP},
    "agentRuntimeArtifact": {"containerConfiguration": {"containerUri": _KEEP}},
}
ENDPOINT: Spec = {
    "name": _KEEP,
    "id": _KEEP,
    "agentRuntimeEndpointArn": _KEEP,
    "agentRuntimeArn": _KEEP,
    "liveVersion": _KEEP,
    "targetVersion": _KEEP,
    "status": _KEEP,
    "createdAt": _KEEP,
    "lastUpdatedAt": _KEEP,
}
MEMORY_SUMMARY: Spec = {"arn": _KEEP, "id": _KEEP, "status": _KEEP, "createdAt": _KEEP, "updatedAt": _KEEP}
MEMORY: Spec = {
    "arn": _KEEP,
    "id": _KEEP,
    "name": _KEEP,
    "status": _KEEP,
    "memoryExecutionRoleArn": _KEEP,
    "encryptionKeyArn": _KEEP,
    "eventExpiryDuration": _KEEP,
    "createdAt": _KEEP,
    "updatedAt": _KEEP,
    "strategies": {"strategyId": _KEEP, "name": _KEEP, "type": _KEEP, "status": _KEEP},
}
GATEWAY_SUMMARY: Spec = {
    "gatewayId": _KEEP,
    "name": _KEEP,
    "status": _KEEP,
    "authorizerType": _KEEP,
    "protocolType": _KEEP,
    "createdAt": _KEEP,
    "updatedAt": _KEEP,
}
GATEWAY: Spec = {
    "gatewayArn": _KEEP,
    "gatewayId": _KEEP,
    "gatewayUrl": _KEEP,
    "name": _KEEP,
    "status": _KEEP,
    "roleArn": _KEEP,
    "protocolType": _KEEP,
    "authorizerType": _KEEP,
    "authorizerConfiguration": AUTHORIZER,
    "kmsKeyArn": _KEEP,
    "workloadIdentityDetails": {"workloadIdentityArn": _KEEP},
    "exceptionLevel": _KEEP,
    "createdAt": _KEEP,
    "updatedAt": _KEEP,
}
TARGET_SUMMARY: Spec = {"targetId": _KEEP, "name": _KEEP, "status": _KEEP, "createdAt": _KEEP, "updatedAt": _KEEP}
TARGET: Spec = {
    "gatewayArn": _KEEP,
    "targetId": _KEEP,
    "name": _KEEP,
    "status": _KEEP,
    "createdAt": _KEEP,
    "updatedAt": _KEEP,
    "lastSynchronizedAt": _KEEP,
    "credentialProviderConfigurations": {
        "credentialProviderType": _KEEP,
        "credentialProvider": {
            "oauthCredentialProvider": {"providerArn": _KEEP, "scopes": _KEEP, "grantType": _KEEP},
            "apiKeyCredentialProvider": {
                "providerArn": _KEEP,
                "credentialLocation": _KEEP,
                "credentialParameterName": _KEEP,
            },
            "iamCredentialProvider": {"service": _KEEP, "region": _KEEP},
        },
    },
}
WORKLOAD_IDENTITY: Spec = {"name": _KEEP, "workloadIdentityArn": _KEEP}
OAUTH2_PROVIDER: Spec = {
    "name": _KEEP,
    "credentialProviderVendor": _KEEP,
    "credentialProviderArn": _KEEP,
    "createdTime": _KEEP,
    "lastUpdatedTime": _KEEP,
}
API_KEY_PROVIDER: Spec = {
    "name": _KEEP,
    "credentialProviderArn": _KEEP,
    "createdTime": _KEEP,
    "lastUpdatedTime": _KEEP,
}
TAGS: Spec = {"tags": _LABELS}


# ------------------------------------------------------------------------------------------------- reduction


def keep(value: Mapping[str, Any], spec: Spec) -> dict[str, Any]:
    """Only the fields `spec` names; nested specs apply to an object or to each object of a list."""
    kept: dict[str, Any] = {}
    for name, inner in spec.items():
        field = value.get(name)
        if field is None:
            continue
        if inner == _KEEP:
            if not isinstance(field, Mapping):  # an object where a value was expected is not reviewed: dropped
                kept[name] = field if not isinstance(field, list) else [v for v in field if not isinstance(v, dict)]
        elif inner == _LABELS:
            if isinstance(field, Mapping):
                kept[name] = {str(k): str(v) for k, v in field.items() if not isinstance(v, Mapping | list)}
        elif isinstance(field, Mapping):
            kept[name] = keep(field, inner)
        elif isinstance(field, list):
            kept[name] = [keep(item, inner) for item in field if isinstance(item, Mapping)]
    return kept


def plain_url(url: Any) -> str | None:
    """An endpoint without user info, query string or fragment (where a key could hide): scheme, host, path."""
    if not isinstance(url, str) or not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def openapi_operations(text: Any) -> list[str] | None:
    """The operations of an inline OpenAPI document (operationId, else 'METHOD /path'); None if unreadable."""
    document = _structured(text)
    paths = document.get("paths") if isinstance(document, dict) else None
    if not isinstance(paths, dict):
        return None
    found = []
    for path, item in paths.items():
        for method, operation in (item or {}).items() if isinstance(item, dict) else ():
            if str(method).lower() in _HTTP_METHODS:
                named = operation.get("operationId") if isinstance(operation, dict) else None
                found.append(str(named) if isinstance(named, str) and named else f"{str(method).upper()} {path}")
    return sorted(set(found))


def smithy_operations(text: Any) -> list[str] | None:
    """The operation shapes of an inline Smithy JSON model (their names after '#'); None if unreadable."""
    document = _structured(text)
    shapes = document.get("shapes") if isinstance(document, dict) else None
    if not isinstance(shapes, dict):
        return None
    return sorted(
        str(name).rpartition("#")[2]
        for name, shape in shapes.items()
        if isinstance(shape, dict) and shape.get("type") == "operation"
    )


def tool_names(payload: Any) -> list[str] | None:
    """The names of an inline MCP / Lambda tool schema (a list of tool definitions, or its JSON text, or an MCP
    `tools/list` result `{"tools": [...]}`); None if not one."""
    payload = _structured(payload)
    if isinstance(payload, dict):
        payload = payload.get("tools")
    if not isinstance(payload, list):
        return None
    return sorted({str(tool["name"]) for tool in payload if isinstance(tool, dict) and tool.get("name")})


def _structured(text: Any) -> Any:
    if isinstance(text, dict | list):
        return text
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _schema(schema: Any, reader: Callable[[Any], list[str] | None]) -> dict[str, Any]:
    """An S3 location (kept) or an inline payload (reduced to the names `reader` finds in it)."""
    if not isinstance(schema, Mapping):
        return {}
    if isinstance(schema.get("s3"), Mapping):
        return {"s3": {"uri": schema["s3"].get("uri")}}
    if "inlinePayload" in schema:
        names = reader(schema["inlinePayload"])
        return {"toolNames": names} if names is not None else {"payloadUnreadable": True}
    return {}


def action_group(detail: Mapping[str, Any]) -> dict[str, Any]:
    """GetAgentActionGroup reduced: the inline API schema becomes its operation names."""
    kept = keep(detail, ACTION_GROUP)
    schema = detail.get("apiSchema")
    if isinstance(schema, Mapping) and "payload" in schema:
        names = openapi_operations(schema.get("payload"))
        reduced = {"payloadUnreadable": True} if names is None else {"operationNames": names}
        kept.setdefault("apiSchema", {}).update(reduced)
    return kept


def target_configuration(config: Any) -> dict[str, Any]:
    """A gateway target's configuration reduced to its kind, endpoint / function / API and tool names."""
    if not isinstance(config, Mapping):
        return {}
    mcp = config.get("mcp")
    if isinstance(mcp, Mapping):
        return {"mcp": _mcp_target(mcp)}
    http = config.get("http")
    if isinstance(http, Mapping):
        return {"http": _http_target(http)}
    return {kind: {} for kind in config if isinstance(kind, str)}


def _mcp_target(mcp: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(server := mcp.get("mcpServer"), Mapping):
        reduced = {"endpoint": plain_url(server.get("endpoint")), "listingMode": server.get("listingMode")}
        return {"mcpServer": {k: v for k, v in reduced.items() if v} | _tools(server.get("mcpToolSchema"))}
    if isinstance(function := mcp.get("lambda"), Mapping):
        return {"lambda": {"lambdaArn": function.get("lambdaArn")} | _tools(function.get("toolSchema"))}
    if isinstance(openapi := mcp.get("openApiSchema"), Mapping):
        return {"openApiSchema": _schema(openapi, openapi_operations)}
    if isinstance(smithy := mcp.get("smithyModel"), Mapping):
        return {"smithyModel": _schema(smithy, smithy_operations)}
    if isinstance(api := mcp.get("apiGateway"), Mapping):
        return {"apiGateway": {"restApiId": api.get("restApiId"), "stage": api.get("stage")}}
    return {kind: {} for kind in mcp if isinstance(kind, str)}


def _tools(schema: Any) -> dict[str, Any]:
    reduced = _schema(schema, tool_names)
    return {"toolSchema": reduced} if reduced else {}


def _http_target(http: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(runtime := http.get("agentcoreRuntime"), Mapping):
        return {"agentcoreRuntime": {"arn": runtime.get("arn"), "qualifier": runtime.get("qualifier")}}
    if isinstance(passthrough := http.get("passthrough"), Mapping):
        reduced = {"endpoint": plain_url(passthrough.get("endpoint")), "protocolType": passthrough.get("protocolType")}
        return {"passthrough": {k: v for k, v in reduced.items() if v}}
    return {kind: {} for kind in http if isinstance(kind, str)}


def runtime(detail: Mapping[str, Any]) -> dict[str, Any]:
    """GetAgentRuntime reduced: environment variables become their names."""
    kept = keep(detail, RUNTIME)
    variables = detail.get("environmentVariables")
    if isinstance(variables, Mapping):
        kept["environmentVariableNames"] = sorted(str(name) for name in variables)
    return kept


def gateway_target(detail: Mapping[str, Any]) -> dict[str, Any]:
    kept = keep(detail, TARGET)
    kept["targetConfiguration"] = target_configuration(detail.get("targetConfiguration"))
    return kept


# ------------------------------------------------------------------------------------------------- calls


def page_size(client: Any, operation: str) -> int | None:
    """The largest `maxResults` the service model allows for `operation` (None: the list takes none)."""
    shape = client.meta.service_model.operation_model(operation).input_shape
    member = shape.members.get("maxResults") if shape is not None else None
    return None if member is None else member.metadata.get("max")


class _Reader:
    """One source's calls in one region: the pages kept so far and the first failure."""

    def __init__(self, make_client: MakeClient) -> None:
        self._make_client = make_client
        self._client: Any = None
        self.pages: list[dict[str, Any]] = []
        self.failure: CollectFailure | None = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._make_client()
        return self._client

    def _failed(self, error: ClientError | BotoCoreError) -> str:
        failure = _failure(error)
        self.failure = self.failure or failure
        return failure.code

    def _paginate(self, operation: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        size = page_size(self.client, operation)
        config = {"PageSize": size} if size else {}
        yield from self.client.get_paginator(xform_name(operation)).paginate(**params, PaginationConfig=config)

    def top_list(
        self,
        operation: str,
        key: str,
        spec: Spec,
        details: Callable[[dict[str, Any]], None] | None = None,
        **params: Any,
    ) -> None:
        """A top-level list: each page kept (tagged with its operation), each item reduced then given its details."""
        try:
            for page in self._paginate(operation, params):
                items = [keep(item, spec) for item in page.get(key) or [] if isinstance(item, Mapping)]
                for item in items if details is not None else ():
                    details(item)
                self.pages.append({"operation": operation, key: items})
        except (ClientError, BotoCoreError) as error:
            self._failed(error)

    def items(
        self, owner: dict[str, Any], operation: str, key: str, spec: Spec, **params: Any
    ) -> list[dict[str, Any]] | None:
        """Every item of a per-item list (all its pages); None, with `owner` marked, when a call failed."""
        try:
            return [
                keep(item, spec)
                for page in self._paginate(operation, params)
                for item in page.get(key) or []
                if isinstance(item, Mapping)
            ]
        except (ClientError, BotoCoreError) as error:
            owner.setdefault("errors", {})[operation] = self._failed(error)
            return None

    def get(self, owner: dict[str, Any], operation: str, **params: Any) -> dict[str, Any] | None:
        """One Get; None, with `owner` marked, when it failed."""
        try:
            response = getattr(self.client, xform_name(operation))(**params)
        except (ClientError, BotoCoreError) as error:
            owner.setdefault("errors", {})[operation] = self._failed(error)
            return None
        return {key: value for key, value in response.items() if key != "ResponseMetadata"}

    def tags(self, owner: dict[str, Any], arn: Any) -> None:
        if isinstance(arn, str) and arn:
            response = self.get(owner, "ListTagsForResource", resourceArn=arn)
            if response is not None:
                owner["tags"] = keep(response, TAGS).get("tags") or {}

    def result(self) -> CollectResult:
        content = encode_pages(self.pages) if self.pages else None
        return CollectResult(self.pages, self.failure, content=content)


def _started(make_client: MakeClient) -> _Reader | CollectResult:
    """A reader whose client could be made, or the failure of making it (an unknown region, no credentials)."""
    reader = _Reader(make_client)
    try:
        reader.client  # noqa: B018  (made here so its errors are recorded like any call's)
    except (ClientError, BotoCoreError) as error:
        return CollectResult([], _failure(error))
    return reader


# ------------------------------------------------------------------------------------------------- sources


def collect_bedrock_agents(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """bedrock-agent: ListAgents, then per agent GetAgent, ListAgentAliases, ListTagsForResource and, for every
    version an alias routes to (the test alias routes to DRAFT), its action groups (one Get each) and knowledge
    bases. Without aliases the DRAFT version is read: it is what the agent's test alias would invoke."""
    reader = _started(make_client)
    if isinstance(reader, CollectResult):
        return reader

    def details(summary: dict[str, Any]) -> None:
        agent_id = summary.get("agentId")
        detail = reader.get(summary, "GetAgent", agentId=agent_id)
        if detail is not None:
            summary["agent"] = keep(detail.get("agent") or {}, AGENT)
        aliases = reader.items(summary, "ListAgentAliases", "agentAliasSummaries", ALIAS, agentId=agent_id)
        summary["aliases"] = aliases or []
        routed = {r.get("agentVersion") for a in aliases or [] for r in a.get("routingConfiguration") or []}
        versions = sorted(v for v in routed if isinstance(v, str)) or ["DRAFT"]
        summary["versions"] = [_version(reader, summary, agent_id, version) for version in versions]
        reader.tags(summary, summary.get("agent", {}).get("agentArn"))

    reader.top_list("ListAgents", "agentSummaries", AGENT_SUMMARY, details)
    return reader.result()


def _version(reader: _Reader, owner: dict[str, Any], agent_id: Any, version: str) -> dict[str, Any]:
    scope = {"agentId": agent_id, "agentVersion": version}
    groups = reader.items(owner, "ListAgentActionGroups", "actionGroupSummaries", ACTION_GROUP_SUMMARY, **scope)
    detailed = []
    for group in groups or []:
        detail = reader.get(group, "GetAgentActionGroup", actionGroupId=group.get("actionGroupId"), **scope)
        detailed.append(action_group(detail.get("agentActionGroup") or {}) if detail is not None else group)
    bases = reader.items(owner, "ListAgentKnowledgeBases", "agentKnowledgeBaseSummaries", AGENT_KNOWLEDGE_BASE, **scope)
    return {"agentVersion": version, "actionGroups": detailed, "knowledgeBases": bases or []}


def collect_agentcore_runtimes(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """bedrock-agentcore-control: ListAgentRuntimes, then per runtime GetAgentRuntime, ListAgentRuntimeEndpoints
    and ListTagsForResource; ListMemories, then GetMemory per memory (its execution role)."""
    reader = _started(make_client)
    if isinstance(reader, CollectResult):
        return reader

    def runtime_details(summary: dict[str, Any]) -> None:
        runtime_id = summary.get("agentRuntimeId")
        detail = reader.get(summary, "GetAgentRuntime", agentRuntimeId=runtime_id)
        if detail is not None:
            summary["runtime"] = runtime(detail)
        endpoints = reader.items(
            summary, "ListAgentRuntimeEndpoints", "runtimeEndpoints", ENDPOINT, agentRuntimeId=runtime_id
        )
        summary["endpoints"] = endpoints or []
        reader.tags(summary, summary.get("agentRuntimeArn"))

    def memory_details(summary: dict[str, Any]) -> None:
        detail = reader.get(summary, "GetMemory", memoryId=summary.get("id"))
        if detail is not None:
            summary["memory"] = keep(detail.get("memory") or {}, MEMORY)

    reader.top_list("ListAgentRuntimes", "agentRuntimes", RUNTIME_SUMMARY, runtime_details)
    reader.top_list("ListMemories", "memories", MEMORY_SUMMARY, memory_details)
    return reader.result()


def collect_agentcore_gateways(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """bedrock-agentcore-control: ListGateways, then per gateway GetGateway, ListGatewayTargets (+ GetGatewayTarget
    per target: its configuration and outbound credential) and ListTagsForResource."""
    reader = _started(make_client)
    if isinstance(reader, CollectResult):
        return reader

    def details(summary: dict[str, Any]) -> None:
        gateway_id = summary.get("gatewayId")
        detail = reader.get(summary, "GetGateway", gatewayIdentifier=gateway_id)
        if detail is not None:
            summary["gateway"] = keep(detail, GATEWAY)
        targets = reader.items(summary, "ListGatewayTargets", "items", TARGET_SUMMARY, gatewayIdentifier=gateway_id)
        detailed = []
        for target in targets or []:
            found = reader.get(
                target, "GetGatewayTarget", gatewayIdentifier=gateway_id, targetId=target.get("targetId")
            )
            detailed.append(gateway_target(found) if found is not None else target)
        summary["targets"] = detailed
        reader.tags(summary, summary.get("gateway", {}).get("gatewayArn"))

    reader.top_list("ListGateways", "items", GATEWAY_SUMMARY, details)
    return reader.result()


def collect_agentcore_identities(make_client: MakeClient, entry: AwsSource) -> CollectResult:
    """bedrock-agentcore-control: ListWorkloadIdentities, ListOauth2CredentialProviders and
    ListApiKeyCredentialProviders — names, vendors, ARNs and times; never a Get (the secrets stay in the vault)."""
    reader = _started(make_client)
    if isinstance(reader, CollectResult):
        return reader
    reader.top_list("ListWorkloadIdentities", "workloadIdentities", WORKLOAD_IDENTITY)
    reader.top_list("ListOauth2CredentialProviders", "credentialProviders", OAUTH2_PROVIDER)
    reader.top_list("ListApiKeyCredentialProviders", "credentialProviders", API_KEY_PROVIDER)
    return reader.result()
