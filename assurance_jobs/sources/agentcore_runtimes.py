"""`agentcore_runtimes`: Bedrock AgentCore agent runtimes and memories per region (only where `collect_agents` is
on)."""

from assurance_jobs.collect.agents import collect_agentcore_runtimes
from assurance_jobs.scan.sources import agentcore_runtimes
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=agentcore_runtimes.SOURCE,
    api="bedrock-agentcore-control:ListAgentRuntimes",
    description="Bedrock AgentCore agent runtimes per region: execution role, network mode, inbound authorizer, "
    "workload identity, endpoints and tags (environment variables by name only); memories with their execution "
    "role (only where collect_agents is on)",
    regional=True,
    iam_actions=(
        "bedrock-agentcore:ListAgentRuntimes",
        "bedrock-agentcore:GetAgentRuntime",
        "bedrock-agentcore:ListAgentRuntimeEndpoints",
        "bedrock-agentcore:ListTagsForResource",
        "bedrock-agentcore:ListMemories",
        "bedrock-agentcore:GetMemory",
    ),
    tables=("agents", "principal_links"),
    row_kinds=("ai_agent",),
    optional=True,
    enabled_by="collect_agents",
    collect=collect_agentcore_runtimes,
    parse=agentcore_runtimes.parse,
    parsed_in="agent_platform",
)
