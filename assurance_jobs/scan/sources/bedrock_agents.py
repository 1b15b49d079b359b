"""`bedrock_agents`: Amazon Bedrock agents per region — role, model, guardrail, aliases, the action groups of
every version an alias routes to, knowledge bases and tags (pages reduced by collect/agents.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assurance_jobs.scan.agent_platform import (
    ActionGroup,
    AgentPlatform,
    BedrockAgent,
    Origin,
    errors_of,
    items,
    labels,
    regional_pages,
    text,
)
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "bedrock_agents"


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> AgentPlatform | None:
    agents: list[BedrockAgent] = []
    read = False
    for origin, pages in regional_pages(snapshot, account_id, SOURCE, ctx):
        read = True
        agents += [_agent(summary, origin, ctx) for summary in items(pages, "ListAgents", "agentSummaries")]
    return AgentPlatform(bedrock_agents=tuple(agents), accounts=frozenset({account_id})) if read else None


def _agent(summary: Mapping[str, Any], origin: Origin, ctx: Context) -> BedrockAgent:
    detail = summary.get("agent") if isinstance(summary.get("agent"), Mapping) else {}
    agent_id = text(summary.get("agentId")) or text(detail.get("agentId"))
    arn = text(detail.get("agentArn")) or f"arn:aws:bedrock:{origin.region}:{origin.account_id}:agent/{agent_id}"
    guardrail = detail.get("guardrailConfiguration") or summary.get("guardrailConfiguration")
    guardrail_id = text(guardrail.get("guardrailIdentifier")) if isinstance(guardrail, Mapping) else ""
    versions = dicts(summary.get("versions"))
    return BedrockAgent(
        origin=origin,
        agent_id=agent_id,
        arn=arn,
        name=text(detail.get("agentName")) or text(summary.get("agentName")),
        status=text(detail.get("agentStatus")) or text(summary.get("agentStatus")),
        role_arn=text(detail.get("agentResourceRoleArn")) or None,
        foundation_model=text(detail.get("foundationModel")) or None,
        guardrail=guardrail_id or None,
        versions=tuple(text(v.get("agentVersion")) for v in versions),
        action_groups=tuple(_action_group(group, version) for version, group in _groups(versions)),
        knowledge_bases=tuple(
            sorted({text(kb.get("knowledgeBaseId")) for v in versions for kb in dicts(v.get("knowledgeBases"))})
        ),
        aliases=tuple(
            text(alias.get("agentAliasName")) or text(alias.get("agentAliasId"))
            for alias in dicts(summary.get("aliases"))
        ),
        tags=labels(summary.get("tags")),
        created=ctx.time(detail.get("createdAt"), f"{arn} createdAt"),
        errors=errors_of(summary) + tuple(e for _, group in _groups(versions) for e in errors_of(group)),
    )


def _groups(versions: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(version, action group) of every version an alias routes to."""
    return [(text(v.get("agentVersion")), group) for v in versions for group in dicts(v.get("actionGroups"))]


def _action_group(group: Mapping[str, Any], version: str) -> ActionGroup:
    executor = group.get("actionGroupExecutor") if isinstance(group.get("actionGroupExecutor"), Mapping) else {}
    schema = group.get("apiSchema") if isinstance(group.get("apiSchema"), Mapping) else {}
    functions = group.get("functionSchema") if isinstance(group.get("functionSchema"), Mapping) else {}
    s3 = schema.get("s3") if isinstance(schema.get("s3"), Mapping) else None
    operations = [text(f.get("name")) for f in dicts(functions.get("functions"))] if functions else []
    known = "errors" not in group and not s3 and not schema.get("payloadUnreadable")
    if isinstance(schema.get("operationNames"), list):
        operations += [text(name) for name in schema["operationNames"]]
    location = f"s3://{text(s3.get('s3BucketName'))}/{text(s3.get('s3ObjectKey'))}" if s3 else ""
    return ActionGroup(
        version=version,
        group_id=text(group.get("actionGroupId")),
        name=text(group.get("actionGroupName")) or text(group.get("actionGroupId")),
        enabled=text(group.get("actionGroupState")) != "DISABLED",
        executor=text(executor.get("lambda")) or text(executor.get("customControl")),
        signature=text(group.get("parentActionSignature")),
        operations=tuple(sorted({o for o in operations if o})),
        operations_known=known,
        schema_location=location,
    )
