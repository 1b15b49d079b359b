"""`bedrock_agents`: Amazon Bedrock agents per region, their execution role, tools (action groups), knowledge
bases, aliases and tags — metadata only (only where `collect_agents` is on)."""

from assurance_jobs.collect.agents import collect_bedrock_agents
from assurance_jobs.scan.sources import bedrock_agents
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=bedrock_agents.SOURCE,
    api="bedrock-agent:ListAgents",
    description="Amazon Bedrock agents per region: execution role, status, foundation model, guardrail, aliases, "
    "the action groups (Lambda executor or return control, operation names) of every version an alias routes to, "
    "knowledge bases and tags — never instructions, prompts or schema text (only where collect_agents is on)",
    regional=True,
    iam_actions=(
        "bedrock:ListAgents",
        "bedrock:GetAgent",
        "bedrock:ListAgentAliases",
        "bedrock:ListAgentActionGroups",
        "bedrock:GetAgentActionGroup",
        "bedrock:ListAgentKnowledgeBases",
        "bedrock:ListTagsForResource",
    ),
    tables=("agents", "principal_links"),
    row_kinds=("ai_agent",),
    optional=True,
    enabled_by="collect_agents",
    collect=collect_bedrock_agents,
    parse=bedrock_agents.parse,
    parsed_in="agent_platform",
)
