"""`agentcore_gateways`: Bedrock AgentCore gateways per region — role, inbound authorizer, and each target with
its kind (MCP server, Lambda, OpenAPI / Smithy API …), its tools and its outbound credential provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assurance_jobs.scan.agent_platform import (
    AgentPlatform,
    Gateway,
    Origin,
    OutboundCredential,
    Target,
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

SOURCE = "agentcore_gateways"
_PROVIDERS = ("oauthCredentialProvider", "apiKeyCredentialProvider")


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> AgentPlatform | None:
    gateways: list[Gateway] = []
    read = False
    for origin, pages in regional_pages(snapshot, account_id, SOURCE, ctx):
        read = True
        gateways += [_gateway(item, origin, ctx) for item in items(pages, "ListGateways", "items")]
    return AgentPlatform(gateways=tuple(gateways), accounts=frozenset({account_id})) if read else None


def _gateway(summary: Mapping[str, Any], origin: Origin, ctx: Context) -> Gateway:
    detail = summary.get("gateway") if isinstance(summary.get("gateway"), Mapping) else {}
    gateway_id = text(summary.get("gatewayId")) or text(detail.get("gatewayId"))
    arn = text(detail.get("gatewayArn")) or (
        f"arn:aws:bedrock-agentcore:{origin.region}:{origin.account_id}:gateway/{gateway_id}"
    )
    authorizer = text(detail.get("authorizerType")) or text(summary.get("authorizerType"))
    return Gateway(
        origin=origin,
        arn=arn,
        gateway_id=gateway_id,
        name=text(detail.get("name")) or text(summary.get("name")) or gateway_id,
        url=text(detail.get("gatewayUrl")) or None,
        status=text(detail.get("status")) or text(summary.get("status")),
        role_arn=text(detail.get("roleArn")) or None,
        inbound=inbound_auth(authorizer, detail.get("authorizerConfiguration")),
        targets=tuple(_target(target) for target in dicts(summary.get("targets"))),
        tags=labels(summary.get("tags")),
        created=ctx.time(detail.get("createdAt") or summary.get("createdAt"), f"{arn} createdAt"),
        errors=errors_of(summary),
    )


def _target(target: Mapping[str, Any]) -> Target:
    kind, config = _kind(target.get("targetConfiguration"))
    schema = config.get("toolSchema") if isinstance(config.get("toolSchema"), Mapping) else config
    names = schema.get("toolNames") if isinstance(schema, Mapping) else None
    endpoint = text(config.get("endpoint")) or text(config.get("lambdaArn")) or text(config.get("arn"))
    if not endpoint and isinstance(config.get("s3"), Mapping):
        endpoint = text(config["s3"].get("uri"))
    if not endpoint and config.get("restApiId"):
        endpoint = f"{text(config.get('restApiId'))}/{text(config.get('stage'))}"
    return Target(
        target_id=text(target.get("targetId")),
        name=text(target.get("name")) or text(target.get("targetId")),
        kind=kind,
        endpoint=endpoint,
        tools=tuple(sorted({str(n) for n in names})) if isinstance(names, list) else (),
        tools_known=isinstance(names, list) and "errors" not in target,
        credentials=tuple(_credential(c) for c in dicts(target.get("credentialProviderConfigurations"))),
        status=text(target.get("status")),
        errors=errors_of(target),
    )


def _kind(configuration: Any) -> tuple[str, Mapping[str, Any]]:
    """('mcpServer', its config) from {'mcp': {'mcpServer': {...}}}; ('', {}) when nothing was read."""
    for family in ("mcp", "http", "inference"):
        inner = configuration.get(family) if isinstance(configuration, Mapping) else None
        if isinstance(inner, Mapping):
            for kind, config in inner.items():
                return str(kind), config if isinstance(config, Mapping) else {}
    return "", {}


def _credential(configuration: Mapping[str, Any]) -> OutboundCredential:
    provider = configuration.get("credentialProvider")
    provider = provider if isinstance(provider, Mapping) else {}
    chosen = next((provider[name] for name in _PROVIDERS if isinstance(provider.get(name), Mapping)), {})
    return OutboundCredential(
        type=text(configuration.get("credentialProviderType")),
        provider_arn=text(chosen.get("providerArn")) or None,
        scopes=texts(chosen.get("scopes")),
    )
