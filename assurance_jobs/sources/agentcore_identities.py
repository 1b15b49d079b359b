"""`agentcore_identities`: Bedrock AgentCore workload identities and credential providers per region (only where
`collect_agents` is on)."""

from assurance_jobs.collect.agents import collect_agentcore_identities
from assurance_jobs.scan.sources import agentcore_identities
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=agentcore_identities.SOURCE,
    api="bedrock-agentcore-control:ListWorkloadIdentities",
    description="Bedrock AgentCore Identity per region: workload identities, OAuth2-client and API-key credential "
    "providers (names, vendors, ARNs and times; their secrets are never read) (only where collect_agents is on)",
    regional=True,
    iam_actions=(
        "bedrock-agentcore:ListWorkloadIdentities",
        "bedrock-agentcore:ListOauth2CredentialProviders",
        "bedrock-agentcore:ListApiKeyCredentialProviders",
    ),
    tables=("credentials",),
    row_kinds=(agentcore_identities.OAUTH2_CLIENT, agentcore_identities.API_KEY),
    optional=True,
    enabled_by="collect_agents",
    collect=collect_agentcore_identities,
    parse=agentcore_identities.parse,
    parsed_in="agent_platform",
)
