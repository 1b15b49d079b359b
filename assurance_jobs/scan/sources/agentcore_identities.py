"""`agentcore_identities`: Bedrock AgentCore Identity per region — workload identities, and the OAuth2-client and
API-key credential providers of the token vault (names, vendors, ARNs, times; never a secret)."""

from __future__ import annotations

from typing import Any

from assurance_jobs.scan.agent_platform import (
    AgentPlatform,
    CredentialProvider,
    Origin,
    WorkloadIdentity,
    items,
    regional_pages,
    text,
)
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "agentcore_identities"
OAUTH2_CLIENT = "oauth2_client"
API_KEY = "api_key"


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> AgentPlatform | None:
    providers: list[CredentialProvider] = []
    workloads: list[WorkloadIdentity] = []
    read = False
    for origin, pages in regional_pages(snapshot, account_id, SOURCE, ctx):
        read = True
        workloads += [
            WorkloadIdentity(origin, text(item.get("workloadIdentityArn")), text(item.get("name")))
            for item in items(pages, "ListWorkloadIdentities", "workloadIdentities")
        ]
        for operation, kind in (
            ("ListOauth2CredentialProviders", OAUTH2_CLIENT),
            ("ListApiKeyCredentialProviders", API_KEY),
        ):
            providers += [_provider(item, kind, origin, ctx) for item in items(pages, operation, "credentialProviders")]
    if not read:
        return None
    return AgentPlatform(
        credential_providers=tuple(providers), workload_identities=tuple(workloads), accounts=frozenset({account_id})
    )


def _provider(item: dict[str, Any], kind: str, origin: Origin, ctx: Context) -> CredentialProvider:
    arn = text(item.get("credentialProviderArn"))
    return CredentialProvider(
        origin=origin,
        arn=arn,
        name=text(item.get("name")),
        kind=kind,
        vendor=text(item.get("credentialProviderVendor")) or None,
        created=ctx.time(item.get("createdTime"), f"{arn} createdTime"),
        updated=ctx.time(item.get("lastUpdatedTime"), f"{arn} lastUpdatedTime"),
    )
