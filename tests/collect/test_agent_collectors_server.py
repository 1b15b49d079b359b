"""The agent-platform sources against the demo's moto server (HTTP on 127.0.0.1, reached through AWS_ENDPOINT_URL as
production reaches AWS): the whole fleet is discovered in both regions, every source is clean, no secret is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3

from assurance_jobs.collect.aws import collect_account
from assurance_jobs.config import AccountConfig
from assurance_jobs.demo.agents import PARTNER_API_KEY, PARTNER_CLIENT_SECRET, seed_agent_fleet
from assurance_jobs.demo.server import emulated_aws
from assurance_jobs.sources import registry

AGENT_SOURCES = {"bedrock_agents", "agentcore_runtimes", "agentcore_gateways", "agentcore_identities"}


def test_the_fleet_is_discovered_over_http_in_both_regions_without_a_secret() -> None:
    account = AccountConfig(name="demo", regions=["us-east-1", "eu-west-1"], collect_agents=True)
    with emulated_aws() as endpoint:
        fleet = seed_agent_fleet(endpoint, datetime.now(UTC))
        blobs, statuses, _ = collect_account(boto3.Session(), account, registry.aws_sources(), max_attempts=2)
    agent_statuses = {(s.source, s.region): s.status for s in statuses if s.source in AGENT_SOURCES}
    assert set(agent_statuses.values()) == {"ok"} and len(agent_statuses) == 8
    content = b"".join(blob.content for blob in blobs if blob.source in AGENT_SOURCES)
    for arn in (fleet.helpdesk_agent, fleet.orders_runtime, fleet.research_runtime, fleet.partner_gateway):
        assert arn.encode() in content
    assert PARTNER_API_KEY.encode() not in content and PARTNER_CLIENT_SECRET.encode() not in content
