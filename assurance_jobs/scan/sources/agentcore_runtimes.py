"""`agentcore_runtimes`: Bedrock AgentCore agent runtimes per region — execution role, network mode, inbound
authorizer, workload identity, endpoints and tags — and memories with their execution role."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assurance_jobs.scan.agent_platform import (
    AgentPlatform,
    Memory,
    Origin,
    Runtime,
    errors_of,
    inbound_auth,
    items,
    labels,
    regional_pages,
    text,
    texts,
)
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "agentcore_runtimes"
DEFAULT_INBOUND = "AWS_IAM"
"""A runtime without an authorizer configuration is invoked with SigV4: the caller needs IAM permission."""


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> AgentPlatform | None:
    runtimes: list[Runtime] = []
    memories: list[Memory] = []
    read = False
    for origin, pages in regional_pages(snapshot, account_id, SOURCE, ctx):
        read = True
        runtimes += [_runtime(item, origin, ctx) for item in items(pages, "ListAgentRuntimes", "agentRuntimes")]
        memories += [_memory(item, origin) for item in items(pages, "ListMemories", "memories")]
    if not read:
        return None
    return AgentPlatform(runtimes=tuple(runtimes), memories=tuple(memories), accounts=frozenset({account_id}))


def _runtime(summary: Mapping[str, Any], origin: Origin, ctx: Context) -> Runtime:
    detail = summary.get("runtime") if isinstance(summary.get("runtime"), Mapping) else {}
    arn = text(detail.get("agentRuntimeArn")) or text(summary.get("agentRuntimeArn"))
    network = detail.get("networkConfiguration") if isinstance(detail.get("networkConfiguration"), Mapping) else {}
    configuration = detail.get("authorizerConfiguration")
    workload = (
        detail.get("workloadIdentityDetails") if isinstance(detail.get("workloadIdentityDetails"), Mapping) else {}
    )
    return Runtime(
        origin=origin,
        arn=arn,
        runtime_id=text(summary.get("agentRuntimeId")) or text(detail.get("agentRuntimeId")),
        name=text(detail.get("agentRuntimeName")) or text(summary.get("agentRuntimeName")),
        status=text(detail.get("status")) or text(summary.get("status")),
        role_arn=text(detail.get("roleArn")) or None,
        network_mode=text(network.get("networkMode")) or None,
        inbound=inbound_auth("CUSTOM_JWT" if configuration else DEFAULT_INBOUND, configuration),
        workload_identity_arn=text(workload.get("workloadIdentityArn")) or None,
        endpoints=tuple(text(e.get("name")) for e in dicts(summary.get("endpoints"))),
        environment_variable_names=texts(detail.get("environmentVariableNames")),
        tags=labels(summary.get("tags")),
        created=ctx.time(detail.get("createdAt"), f"{arn} createdAt"),
        errors=errors_of(summary),
    )


def _memory(summary: Mapping[str, Any], origin: Origin) -> Memory:
    detail = summary.get("memory") if isinstance(summary.get("memory"), Mapping) else {}
    return Memory(
        origin=origin,
        arn=text(detail.get("arn")) or text(summary.get("arn")),
        memory_id=text(summary.get("id")),
        name=text(detail.get("name")) or text(summary.get("id")),
        status=text(detail.get("status")) or text(summary.get("status")),
        role_arn=text(detail.get("memoryExecutionRoleArn")) or None,
        errors=errors_of(summary),
    )
