"""What moto 5.2 lacks of the two AWS agent platforms, served in AWS's response shapes while the block is open.

moto implements Bedrock agents, AgentCore runtimes, gateways, targets and memories, but not Bedrock action groups,
aliases and knowledge-base associations, nor AgentCore workload identities and credential providers; and its
AgentCore lists ignore `maxResults` (one page of everything). Left alone, the demo could show neither an agent's
tools nor a static API key, and no test could page through a gateway's targets.

`agent_platform_emulation()` adds exactly these operations to moto's own response classes (as
`moto_fidelity_patches` does for IAM certificates), so they answer in-process (`mock_aws`) and from the demo's
moto server alike, serialised by moto from botocore's service model — the real response shapes:

* bedrock-agent: CreateAgentActionGroup, GetAgentActionGroup, ListAgentActionGroups, CreateAgentAlias,
  ListAgentAliases (with the test alias `TSTALIASID` routing to DRAFT, as AWS lists it), AssociateAgentKnowledgeBase,
  ListAgentKnowledgeBases. An alias created without a routing configuration snapshots DRAFT's action groups and
  knowledge bases into a new numbered version, as AWS does.
* bedrock-agentcore-control: Create/Get/ListWorkloadIdentit(y|ies), Create/Get/ListOauth2CredentialProvider(s),
  Create/Get/ListApiKeyCredentialProvider(s); and paging (`maxResults` / `nextToken`) for ListAgentRuntimes,
  ListAgentRuntimeEndpoints, ListGateways, ListGatewayTargets and ListMemories.

A client secret or API key given to a Create call is kept write-only, as AgentCore Identity keeps it in its token
vault: every answer names only the secret's ARN. The state lives in this process, per account and region, and is
cleared when the block is entered and left. What this emulation cannot show is listed in docs/agents.md.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from moto.bedrockagent.exceptions import ResourceNotFoundException as AgentNotFound
from moto.bedrockagent.responses import AgentsforBedrockResponse
from moto.bedrockagentcorecontrol.exceptions import ResourceNotFoundException as CoreNotFound
from moto.bedrockagentcorecontrol.responses import BedrockAgentCoreControlResponse
from moto.core.responses import ActionResult, BaseResponse
from moto.core.utils import utcnow

TEST_ALIAS_ID = "TSTALIASID"
DRAFT = "DRAFT"
_ID_CHARS = string.ascii_uppercase + string.digits


@dataclass
class _Region:
    """One account and region of emulated state."""

    action_groups: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    aliases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    knowledge_bases: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    workload_identities: list[dict[str, Any]] = field(default_factory=list)
    oauth2_providers: list[dict[str, Any]] = field(default_factory=list)
    api_key_providers: list[dict[str, Any]] = field(default_factory=list)
    vault: dict[str, str] = field(default_factory=dict, repr=False)
    """Write-only: the secrets Create calls were given, by provider ARN. Never read back by any operation."""


_STATE: dict[tuple[str, str], _Region] = {}
_COUNTER = itertools.count(1)


def _region(response: BaseResponse) -> _Region:
    return _STATE.setdefault((response.current_account, response.region), _Region())


def _new_id(length: int = 10) -> str:
    number, chars = next(_COUNTER), []
    for _ in range(length):
        number, digit = divmod(number * 7919 + 104729, len(_ID_CHARS))
        chars.append(_ID_CHARS[digit])
    return "".join(chars)


def _page(response: BaseResponse, items: list[dict[str, Any]], key: str) -> ActionResult:
    """One page of `items` as the service pages them: `maxResults` items from the `nextToken` offset."""
    start = int(response._get_param("nextToken") or 0)
    size = int(response._get_param("maxResults") or 100)
    body: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        body["nextToken"] = str(start + size)
    return ActionResult(body)


def _agent_missing(agent_id: str) -> AgentNotFound:
    return AgentNotFound(f"Agent {agent_id} not found")


# ---------------------------------------------------------------------------------------------- bedrock-agent


def _agent_exists(response: AgentsforBedrockResponse, agent_id: str) -> bool:
    return agent_id in response.bedrockagent_backend.agents


def _create_agent_action_group(self: AgentsforBedrockResponse) -> Any:
    agent_id, version = self._get_param("agentId"), self._get_param("agentVersion")
    if not _agent_exists(self, agent_id):
        raise _agent_missing(agent_id)
    now = utcnow()
    group = {
        "agentId": agent_id,
        "agentVersion": version,
        "actionGroupId": _new_id(),
        "actionGroupName": self._get_param("actionGroupName"),
        "actionGroupState": self._get_param("actionGroupState") or "ENABLED",
        "createdAt": now,
        "updatedAt": now,
    }
    for name in ("description", "actionGroupExecutor", "apiSchema", "functionSchema"):
        if self._get_param(name) is not None:
            group[name] = self._get_param(name)
    if self._get_param("parentActionGroupSignature"):
        group["parentActionSignature"] = self._get_param("parentActionGroupSignature")
    _region(self).action_groups.setdefault((agent_id, version), []).append(group)
    return ActionResult({"agentActionGroup": group})


def _get_agent_action_group(self: AgentsforBedrockResponse) -> Any:
    key = (self._get_param("agentId"), self._get_param("agentVersion"))
    wanted = self._get_param("actionGroupId")
    group = next((g for g in _region(self).action_groups.get(key, []) if g["actionGroupId"] == wanted), None)
    if group is None:
        raise AgentNotFound(f"Action group {wanted} not found")
    return ActionResult({"agentActionGroup": group})


def _list_agent_action_groups(self: AgentsforBedrockResponse) -> Any:
    key = (self._get_param("agentId"), self._get_param("agentVersion"))
    summaries = [
        {
            k: g[k]
            for k in ("actionGroupId", "actionGroupName", "actionGroupState", "updatedAt", "description")
            if k in g
        }
        for g in _region(self).action_groups.get(key, [])
    ]
    return _page(self, summaries, "actionGroupSummaries")


def _create_agent_alias(self: AgentsforBedrockResponse) -> Any:
    agent_id = self._get_param("agentId")
    if not _agent_exists(self, agent_id):
        raise _agent_missing(agent_id)
    state, routing = _region(self), self._get_param("routingConfiguration")
    if not routing:
        version = str(1 + sum(1 for key in state.action_groups if key[0] == agent_id and key[1] != DRAFT))
        for table in (state.action_groups, state.knowledge_bases):
            table[(agent_id, version)] = [
                {**item, "agentVersion": version} for item in table.get((agent_id, DRAFT), [])
            ]
        routing = [{"agentVersion": version}]
    agent = self.bedrockagent_backend.agents[agent_id]
    now, alias_id = utcnow(), _new_id()
    alias = {
        "agentId": agent_id,
        "agentAliasId": alias_id,
        "agentAliasName": self._get_param("agentAliasName"),
        "agentAliasArn": agent.agent_arn.replace(":agent/", ":agent-alias/") + f"/{alias_id}",
        "routingConfiguration": routing,
        "agentAliasStatus": "PREPARED",
        "createdAt": now,
        "updatedAt": now,
    }
    state.aliases.setdefault(agent_id, []).append(alias)
    return ActionResult({"agentAlias": alias})


def _list_agent_aliases(self: AgentsforBedrockResponse) -> Any:
    agent_id = self._get_param("agentId")
    if not _agent_exists(self, agent_id):
        raise _agent_missing(agent_id)
    created = datetime.fromtimestamp(self.bedrockagent_backend.agents[agent_id].created_at, UTC)
    test_alias = {
        "agentAliasId": TEST_ALIAS_ID,
        "agentAliasName": "AgentTestAlias",
        "routingConfiguration": [{"agentVersion": DRAFT}],
        "agentAliasStatus": "PREPARED",
        "createdAt": created,
        "updatedAt": created,
    }
    keys = ("agentAliasId", "agentAliasName", "routingConfiguration", "agentAliasStatus", "createdAt", "updatedAt")
    aliases = [test_alias] + [{k: a[k] for k in keys} for a in _region(self).aliases.get(agent_id, [])]
    return _page(self, aliases, "agentAliasSummaries")


def _associate_agent_knowledge_base(self: AgentsforBedrockResponse) -> Any:
    agent_id, version = self._get_param("agentId"), self._get_param("agentVersion")
    if not _agent_exists(self, agent_id):
        raise _agent_missing(agent_id)
    now = utcnow()
    association = {
        "agentId": agent_id,
        "agentVersion": version,
        "knowledgeBaseId": self._get_param("knowledgeBaseId"),
        "description": self._get_param("description"),
        "knowledgeBaseState": self._get_param("knowledgeBaseState") or "ENABLED",
        "createdAt": now,
        "updatedAt": now,
    }
    _region(self).knowledge_bases.setdefault((agent_id, version), []).append(association)
    return ActionResult({"agentKnowledgeBase": association})


def _list_agent_knowledge_bases(self: AgentsforBedrockResponse) -> Any:
    key = (self._get_param("agentId"), self._get_param("agentVersion"))
    keys = ("knowledgeBaseId", "description", "knowledgeBaseState", "updatedAt")
    summaries = [{k: kb[k] for k in keys} for kb in _region(self).knowledge_bases.get(key, [])]
    return _page(self, summaries, "agentKnowledgeBaseSummaries")


# ---------------------------------------------------------------------------------- bedrock-agentcore-control


def _vault_arn(self: BaseResponse, kind: str, name: str) -> str:
    return f"arn:aws:acps:{self.region}:{self.current_account}:token-vault/default/{kind}/{name}"


def _secret_arn(self: BaseResponse, kind: str, name: str) -> str:
    return (
        f"arn:aws:secretsmanager:{self.region}:{self.current_account}:secret:"
        f"bedrock-agentcore-identity!default/{kind}/{name}-{_new_id(6)}"
    )


def _create_workload_identity(self: BedrockAgentCoreControlResponse) -> Any:
    name, now = self._get_param("name"), utcnow()
    identity = {
        "name": name,
        "workloadIdentityArn": (
            f"arn:aws:bedrock-agentcore:{self.region}:{self.current_account}:"
            f"workload-identity-directory/default/workload-identity/{name}"
        ),
        "allowedResourceOauth2ReturnUrls": self._get_param("allowedResourceOauth2ReturnUrls") or [],
        "createdTime": now,
        "lastUpdatedTime": now,
    }
    _region(self).workload_identities.append(identity)
    return ActionResult({k: identity[k] for k in ("name", "workloadIdentityArn", "allowedResourceOauth2ReturnUrls")})


def _get_workload_identity(self: BedrockAgentCoreControlResponse) -> Any:
    return _named(self, _region(self).workload_identities, lambda item: item)


def _list_workload_identities(self: BedrockAgentCoreControlResponse) -> Any:
    listed = [
        {"name": i["name"], "workloadIdentityArn": i["workloadIdentityArn"]} for i in _region(self).workload_identities
    ]
    return _page(self, listed, "workloadIdentities")


def _create_oauth2_credential_provider(self: BedrockAgentCoreControlResponse) -> Any:
    name, vendor = self._get_param("name"), self._get_param("credentialProviderVendor")
    config = self._get_param("oauth2ProviderConfigInput") or {}
    arn, now = _vault_arn(self, "oauth2credentialprovider", name), utcnow()
    output = {}
    for key, value in config.items():  # e.g. githubOauth2ProviderConfig: the client id, never the secret
        if isinstance(value, dict):
            _region(self).vault[arn] = str(value.get("clientSecret", ""))
            output[key] = {k: v for k, v in value.items() if k in ("clientId", "oauthDiscovery")}
    provider = {
        "name": name,
        "credentialProviderVendor": vendor,
        "credentialProviderArn": arn,
        "clientSecretArn": {"secretArn": _secret_arn(self, "oauth2", name)},
        "callbackUrl": f"https://bedrock-agentcore.{self.region}.amazonaws.com/identities/oauth2/callback",
        "oauth2ProviderConfigOutput": output,
        "createdTime": now,
        "lastUpdatedTime": now,
    }
    _region(self).oauth2_providers.append(provider)
    keys = ("clientSecretArn", "name", "credentialProviderArn", "callbackUrl", "oauth2ProviderConfigOutput")
    return ActionResult({k: provider[k] for k in keys})


def _get_oauth2_credential_provider(self: BedrockAgentCoreControlResponse) -> Any:
    return _named(self, _region(self).oauth2_providers, lambda item: item)


def _list_oauth2_credential_providers(self: BedrockAgentCoreControlResponse) -> Any:
    keys = ("name", "credentialProviderVendor", "credentialProviderArn", "createdTime", "lastUpdatedTime")
    listed = [{k: p[k] for k in keys} for p in _region(self).oauth2_providers]
    return _page(self, listed, "credentialProviders")


def _create_api_key_credential_provider(self: BedrockAgentCoreControlResponse) -> Any:
    name, now = self._get_param("name"), utcnow()
    arn = _vault_arn(self, "apikeycredentialprovider", name)
    _region(self).vault[arn] = str(self._get_param("apiKey") or "")
    provider = {
        "name": name,
        "credentialProviderArn": arn,
        "apiKeySecretArn": {"secretArn": _secret_arn(self, "apikey", name)},
        "createdTime": now,
        "lastUpdatedTime": now,
    }
    _region(self).api_key_providers.append(provider)
    return ActionResult({k: provider[k] for k in ("apiKeySecretArn", "name", "credentialProviderArn")})


def _get_api_key_credential_provider(self: BedrockAgentCoreControlResponse) -> Any:
    return _named(self, _region(self).api_key_providers, lambda item: item)


def _list_api_key_credential_providers(self: BedrockAgentCoreControlResponse) -> Any:
    keys = ("name", "credentialProviderArn", "createdTime", "lastUpdatedTime")
    listed = [{k: p[k] for k in keys} for p in _region(self).api_key_providers]
    return _page(self, listed, "credentialProviders")


def _named(self: BaseResponse, found: list[dict[str, Any]], view: Callable[[dict], dict]) -> Any:
    name = self._get_param("name")
    item = next((entry for entry in found if entry["name"] == name), None)
    if item is None:
        raise CoreNotFound(f"{name} not found")
    return ActionResult(view(item))


def _paged(original: Callable[[Any], ActionResult], key: str) -> Callable[[Any], Any]:
    """moto's list, answered a page at a time (AWS pages these lists; moto returns one page of everything)."""

    def listed(self: BaseResponse) -> Any:
        result = original(self)
        return _page(self, list(result.result[key]), key)  # type: ignore[index]

    return listed


_BEDROCK_AGENT: dict[str, Callable[..., Any]] = {
    "create_agent_action_group": _create_agent_action_group,
    "get_agent_action_group": _get_agent_action_group,
    "list_agent_action_groups": _list_agent_action_groups,
    "create_agent_alias": _create_agent_alias,
    "list_agent_aliases": _list_agent_aliases,
    "associate_agent_knowledge_base": _associate_agent_knowledge_base,
    "list_agent_knowledge_bases": _list_agent_knowledge_bases,
}
_AGENTCORE: dict[str, Callable[..., Any]] = {
    "create_workload_identity": _create_workload_identity,
    "get_workload_identity": _get_workload_identity,
    "list_workload_identities": _list_workload_identities,
    "create_oauth2_credential_provider": _create_oauth2_credential_provider,
    "get_oauth2_credential_provider": _get_oauth2_credential_provider,
    "list_oauth2_credential_providers": _list_oauth2_credential_providers,
    "create_api_key_credential_provider": _create_api_key_credential_provider,
    "get_api_key_credential_provider": _get_api_key_credential_provider,
    "list_api_key_credential_providers": _list_api_key_credential_providers,
}
_PAGED_BY_MOTO = {
    "list_agent_runtimes": "agentRuntimes",
    "list_agent_runtime_endpoints": "runtimeEndpoints",
    "list_gateways": "items",
    "list_gateway_targets": "items",
    "list_memories": "memories",
}


@contextmanager
def agent_platform_emulation() -> Iterator[None]:
    """Serve the operations moto lacks (and page its AgentCore lists) for the duration of the block."""
    global _COUNTER
    _STATE.clear()
    _COUNTER = itertools.count(1)  # the same calls give the same ids, run after run
    with ExitStack() as stack:
        for name, method in _BEDROCK_AGENT.items():
            stack.enter_context(mock.patch.object(AgentsforBedrockResponse, name, method, create=True))
        for name, method in _AGENTCORE.items():
            stack.enter_context(mock.patch.object(BedrockAgentCoreControlResponse, name, method, create=True))
        for name, key in _PAGED_BY_MOTO.items():
            original = getattr(BedrockAgentCoreControlResponse, name)
            stack.enter_context(mock.patch.object(BedrockAgentCoreControlResponse, name, _paged(original, key)))
        try:
            yield
        finally:
            _STATE.clear()
