"""`agentcore_gateways`: Bedrock AgentCore gateways and their targets per region (only where `collect_agents` is
on)."""

from assurance_jobs.collect.agents import collect_agentcore_gateways
from assurance_jobs.scan.sources import agentcore_gateways
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=agentcore_gateways.SOURCE,
    api="bedrock-agentcore-control:ListGateways",
    description="Bedrock AgentCore gateways per region: role, inbound authorizer (JWT issuer, audiences, clients, "
    "workloads; IAM; none), and each target (MCP server, Lambda, OpenAPI / Smithy, …) with its tool names and its "
    "outbound credential provider — never inline schema text (only where collect_agents is on)",
    regional=True,
    iam_actions=(
        "bedrock-agentcore:ListGateways",
        "bedrock-agentcore:GetGateway",
        "bedrock-agentcore:ListGatewayTargets",
        "bedrock-agentcore:GetGatewayTarget",
        "bedrock-agentcore:ListTagsForResource",
    ),
    tables=("agents",),
    row_kinds=("agent_gateway",),
    optional=True,
    enabled_by="collect_agents",
    collect=collect_agentcore_gateways,
    parse=agentcore_gateways.parse,
    parsed_in="agent_platform",
)
