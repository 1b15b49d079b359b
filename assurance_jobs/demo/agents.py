"""The demo's AI agent fleet, on both AWS agent platforms, with every defect known in advance.

* **helpdesk-assistant** (Amazon Bedrock Agents, us-east-1) — compliant: its own role that may only invoke models,
  an owner who is still here, one Lambda action group (`tickets`: get_ticket, add_comment) that the baseline
  approves, a knowledge base, and a `live` alias.
* **orders-agent** (AgentCore runtime, us-east-1) — compliant: its role may call `InvokeGateway` on exactly one
  IAM-authorised gateway (`orders-gateway`) whose Lambda target's tools the baseline approves.
* **research-agent** (AgentCore runtime, eu-west-1) — the one that asks for more: the `partner-tools` gateway it
  reaches takes any token of its issuer (no audience, client or scope: NHI-AG-002), its `web-search` MCP target is
  not approved (NHI-AG-001) and calls its API with a static API key (NHI-AG-003), and its role may rewrite its own
  policy (`iam:PutRolePolicy`: NHI-AG-005, and NHI-LP-003 on the role) — which, on the second day, it does
  (NHI-AG-007: a call no tool of the agent explains).

Everything is created through the emulated AWS APIs (moto, plus demo/agent_platform.py for what moto lacks), so the
collector discovers the fleet exactly as it would on AWS. The API key and OAuth client secret handed to AgentCore
Identity are canaries: they must never appear in any output.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
from freezegun import freeze_time

from assurance_jobs.demo.cloudtrail_logs import record

ACCOUNT = "123456789012"
HOME = "us-east-1"
RESEARCH_REGION = "eu-west-1"
OWNER = "priya.raman@example.com"
RESEARCH_OWNER = "jonas.berg@example.com"
# Canaries, not credentials: handed to AgentCore Identity, they must never appear in any output.
PARTNER_API_KEY = "demo-partner-search-key-6b1f0c9e2d7a4f35"
PARTNER_CLIENT_SECRET = "demo-partner-oauth-secret-93e4a1d7c2b8"
AGENT_UA = "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#5.10 lang/python#3.12 exec-env/AgentCore"
AGENTCORE_IP = "52.94.133.88"
MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
IDP = "https://auth.partner.example/.well-known/openid-configuration"
FLEET_SEED = 20261206


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


HELPDESK_ROLE = _arn("role", "agent-helpdesk-assistant")
ORDERS_ROLE = _arn("role", "agent-orders-runtime")
ORDERS_GATEWAY_ROLE = _arn("role", "agent-orders-gateway")
RESEARCH_ROLE = _arn("role", "agent-research-runtime")
PARTNER_GATEWAY_ROLE = _arn("role", "agent-partner-gateway")

AGENT_APPROVALS: dict[str, Any] = {
    "helpdesk-assistant": ["action-group/tickets/*"],
    "orders-agent": {"approved_tools": ["gateway/orders-gateway/orders-api/*"]},
    "research agents": {
        "tag": {"key": "agent-team", "value": "research"},
        "approved_tools": ["gateway/partner-tools/docs-search/*"],
    },
}
"""The `agents:` section the demo baseline adds for the fleet: by name, and (research) by tag."""


@dataclass(frozen=True)
class AgentFleet:
    helpdesk_agent: str
    orders_runtime: str
    research_runtime: str
    orders_gateway: str
    partner_gateway: str

    @property
    def ledger(self) -> set[tuple[str, str]]:
        """(rule id, resource) of every finding the fleet must produce."""
        return {
            ("NHI-AG-001", self.research_runtime),
            ("NHI-AG-002", self.partner_gateway),
            ("NHI-AG-003", self.partner_gateway),
            ("NHI-AG-005", self.research_runtime),
            ("NHI-AG-007", self.research_runtime),
            ("NHI-LP-003", RESEARCH_ROLE),
        }

    @property
    def compliant(self) -> tuple[str, ...]:
        return (self.helpdesk_agent, self.orders_runtime, self.orders_gateway)

    @property
    def canaries(self) -> tuple[str, ...]:
        return (PARTNER_API_KEY, PARTNER_CLIENT_SECRET)


def _trust(service: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _policy(*statements: tuple[list[str], str]) -> str:
    body = [{"Effect": "Allow", "Action": list(acts), "Resource": resource} for acts, resource in statements]
    return json.dumps({"Version": "2012-10-17", "Statement": body})


def _role(iam: Any, arn: str, service: str, owner: str, policy: str) -> None:
    name = arn.rsplit("/", 1)[-1]
    iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=_trust(service),
        Tags=[{"Key": "owner", "Value": owner}, {"Key": "app", "Value": "ai-agents"}],
    )
    iam.put_role_policy(RoleName=name, PolicyName=f"{name}-permissions", PolicyDocument=policy)


def _client(service: str, endpoint: str, region: str = HOME) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=region)


def _helpdesk(endpoint: str) -> str:
    """The compliant Bedrock agent: one approved action group, a knowledge base, a `live` alias."""
    iam = _client("iam", endpoint)
    _role(iam, HELPDESK_ROLE, "bedrock.amazonaws.com", OWNER, _policy((["bedrock:InvokeModel"], "*")))
    bedrock = _client("bedrock-agent", endpoint)
    agent = bedrock.create_agent(
        agentName="helpdesk-assistant",
        agentResourceRoleArn=HELPDESK_ROLE,
        foundationModel=MODEL,
        instruction="You answer employees' IT helpdesk questions and update their tickets when asked to.",
        tags={"owner": OWNER, "app": "helpdesk"},
    )["agent"]
    bedrock.create_agent_action_group(
        agentId=agent["agentId"],
        agentVersion="DRAFT",
        actionGroupName="tickets",
        actionGroupExecutor={"lambda": f"arn:aws:lambda:{HOME}:{ACCOUNT}:function:helpdesk-tickets"},
        functionSchema={
            "functions": [
                {"name": "get_ticket", "parameters": {"ticket_id": {"type": "string", "required": True}}},
                {"name": "add_comment", "parameters": {"ticket_id": {"type": "string", "required": True}}},
            ]
        },
    )
    base = bedrock.create_knowledge_base(
        name="helpdesk-articles",
        roleArn=HELPDESK_ROLE,
        knowledgeBaseConfiguration={
            "type": "VECTOR",
            "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": f"arn:aws:bedrock:{HOME}::foundation-model/amazon.titan-embed-text-v2:0"
            },
        },
        storageConfiguration={
            "type": "OPENSEARCH_SERVERLESS",
            "opensearchServerlessConfiguration": {
                "collectionArn": f"arn:aws:aoss:{HOME}:{ACCOUNT}:collection/helpdesk",
                "vectorIndexName": "articles",
                "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"},
            },
        },
    )["knowledgeBase"]
    bedrock.associate_agent_knowledge_base(
        agentId=agent["agentId"],
        agentVersion="DRAFT",
        knowledgeBaseId=base["knowledgeBaseId"],
        description="Helpdesk articles",
    )
    bedrock.create_agent_alias(agentId=agent["agentId"], agentAliasName="live")
    return str(agent["agentArn"])


def _runtime(control: Any, name: str, role: str, tags: dict[str, str]) -> str:
    return str(
        control.create_agent_runtime(
            agentRuntimeName=name,
            agentRuntimeArtifact={
                "containerConfiguration": {"containerUri": f"{ACCOUNT}.dkr.ecr.{HOME}.amazonaws.com/{name}:1"}
            },
            roleArn=role,
            networkConfiguration={"networkMode": "PUBLIC"},
            environmentVariables={"LOG_LEVEL": "info", "MODEL_ID": MODEL},
            tags=tags,
        )["agentRuntimeArn"]
    )


def _orders(endpoint: str) -> tuple[str, str]:
    """The compliant runtime and the IAM-authorised gateway it may call, whose Lambda tools are approved."""
    iam, control = _client("iam", endpoint), _client("bedrock-agentcore-control", endpoint)
    function = f"arn:aws:lambda:{HOME}:{ACCOUNT}:function:orders-tools"
    _role(
        iam,
        ORDERS_GATEWAY_ROLE,
        "bedrock-agentcore.amazonaws.com",
        OWNER,
        _policy((["lambda:InvokeFunction"], function)),
    )
    gateway = control.create_gateway(
        name="orders-gateway",
        roleArn=ORDERS_GATEWAY_ROLE,
        protocolType="MCP",
        authorizerType="AWS_IAM",
        tags={"owner": OWNER},
    )
    tools = [
        {"name": "get_order", "description": "Look up an order", "inputSchema": {"type": "object"}},
        {"name": "list_orders", "description": "List a customer's orders", "inputSchema": {"type": "object"}},
    ]
    control.create_gateway_target(
        gatewayIdentifier=gateway["gatewayId"],
        name="orders-api",
        targetConfiguration={"mcp": {"lambda": {"lambdaArn": function, "toolSchema": {"inlinePayload": tools}}}},
        credentialProviderConfigurations=[{"credentialProviderType": "GATEWAY_IAM_ROLE"}],
    )
    policy = _policy((["bedrock:InvokeModel"], "*"), (["bedrock-agentcore:InvokeGateway"], gateway["gatewayArn"]))
    _role(iam, ORDERS_ROLE, "bedrock-agentcore.amazonaws.com", OWNER, policy)
    runtime = _runtime(control, "orders-agent", ORDERS_ROLE, {"owner": OWNER, "app": "orders"})
    return runtime, str(gateway["gatewayArn"])


def _research(endpoint: str) -> tuple[str, str]:
    """The runtime that asks for more, and the partner gateway only it may call."""
    iam = _client("iam", endpoint)
    control = _client("bedrock-agentcore-control", endpoint, RESEARCH_REGION)
    escalation = _policy((["bedrock:InvokeModel"], "*"), (["iam:PutRolePolicy"], "*"))
    _role(iam, RESEARCH_ROLE, "bedrock-agentcore.amazonaws.com", RESEARCH_OWNER, escalation)
    runtime = _runtime(control, "research-agent", RESEARCH_ROLE, {"owner": RESEARCH_OWNER, "agent-team": "research"})
    fetch = ["bedrock-agentcore:GetResourceApiKey", "bedrock-agentcore:GetResourceOauth2Token"]
    _role(iam, PARTNER_GATEWAY_ROLE, "bedrock-agentcore.amazonaws.com", RESEARCH_OWNER, _policy((fetch, "*")))
    oauth = control.create_oauth2_credential_provider(
        name="partner-docs-oauth",
        credentialProviderVendor="CustomOauth2",
        oauth2ProviderConfigInput={
            "customOauth2ProviderConfig": {
                "oauthDiscovery": {"discoveryUrl": IDP},
                "clientId": "research-agent-docs",
                "clientSecret": PARTNER_CLIENT_SECRET,
            }
        },
    )
    api_key = control.create_api_key_credential_provider(name="partner-search-key", apiKey=PARTNER_API_KEY)
    control.create_workload_identity(name="research-agent")
    gateway = control.create_gateway(
        name="partner-tools",
        roleArn=PARTNER_GATEWAY_ROLE,
        protocolType="MCP",
        authorizerType="CUSTOM_JWT",
        authorizerConfiguration={
            "customJWTAuthorizer": {
                "discoveryUrl": IDP,
                "allowedWorkloadConfiguration": {"hostingEnvironments": [{"arn": runtime}]},
            }
        },
        tags={"owner": RESEARCH_OWNER},
    )
    targets = (
        ("docs-search", "https://mcp.partner.example/docs", ["search_docs"], "OAUTH", oauth["credentialProviderArn"]),
        (
            "web-search",
            "https://mcp.partner.example/web",
            ["search_web", "fetch_page"],
            "API_KEY",
            api_key["credentialProviderArn"],
        ),
    )
    for name, url, tools, kind, provider in targets:
        credential = (
            {"oauthCredentialProvider": {"providerArn": provider, "scopes": ["docs:read"]}}
            if kind == "OAUTH"
            else {
                "apiKeyCredentialProvider": {
                    "providerArn": provider,
                    "credentialLocation": "HEADER",
                    "credentialParameterName": "X-Api-Key",
                }
            }
        )
        schema = json.dumps([{"name": tool, "inputSchema": {"type": "object"}} for tool in tools])
        control.create_gateway_target(
            gatewayIdentifier=gateway["gatewayId"],
            name=name,
            targetConfiguration={"mcp": {"mcpServer": {"endpoint": url, "mcpToolSchema": {"inlinePayload": schema}}}},
            credentialProviderConfigurations=[{"credentialProviderType": kind, "credentialProvider": credential}],
        )
    return runtime, str(gateway["gatewayArn"])


def seed_agent_fleet(endpoint: str, now: datetime) -> AgentFleet:
    """Create the fleet as it stood three days before `now` (before both demo snapshots).

    moto's identifiers (agent, runtime and gateway ids) are seeded first through its own `/moto-api/seed`
    endpoint, so the fleet's ARNs — and its report pages and findings — are the same on every run."""
    request = urllib.request.Request(f"{endpoint}/moto-api/seed?a={FLEET_SEED}", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    with freeze_time(now - timedelta(days=3)):
        helpdesk = _helpdesk(endpoint)
        orders, orders_gateway = _orders(endpoint)
        research, partner = _research(endpoint)
    return AgentFleet(helpdesk, orders, research, orders_gateway, partner)


# ------------------------------------------------------------------------------------------------ CloudTrail


def routine_agent_calls(at: datetime, region: str) -> list[dict[str, Any]]:
    """The fleet's hourly traffic: each agent invokes its model; the orders agent calls its gateway."""
    minute = timedelta(minutes=11)
    if region == HOME:
        calls = [
            (HELPDESK_ROLE, "bedrock.amazonaws.com", "InvokeModel"),
            (ORDERS_ROLE, "bedrock.amazonaws.com", "InvokeModel"),
        ]
        calls.append((ORDERS_ROLE, "bedrock-agentcore.amazonaws.com", "InvokeGateway"))
    elif region == RESEARCH_REGION:
        calls = [(RESEARCH_ROLE, "bedrock.amazonaws.com", "InvokeModel")]
    else:
        return []
    return [
        record(role, source, name, at + minute * (i + 1), region=region, source_ip=AGENTCORE_IP, user_agent=AGENT_UA)
        for i, (role, source, name) in enumerate(calls)
    ]


def planted_agent_calls(at: datetime) -> list[dict[str, Any]]:
    """Day two, 19:00: the research agent's role widens its own policy — no tool of the agent explains the call."""
    if at.hour != 19:
        return []
    return [
        record(
            RESEARCH_ROLE,
            "iam.amazonaws.com",
            "PutRolePolicy",
            at + timedelta(minutes=27),
            source_ip=AGENTCORE_IP,
            user_agent=AGENT_UA,
            request_parameters={"roleName": "agent-research-runtime", "policyName": "more-tools"},
        )
    ]
