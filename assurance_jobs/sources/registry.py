"""The source registry: every kind of evidence the product snapshots, as a tuple of imported `Source` values.

Like cartography's `RESOURCE_FUNCTIONS` or PMapper's checker map, the registry is plain imports: go-to-definition
reaches each source's module, its collector and its parser, and a type checker sees them. Order matters — the
collector runs AWS sources in this order (the caller identity first: it names the account of every file).

Everything that lists sources — the collector's plan, the inventory's parsers, suite validation (`depends_on`),
regional scopes, configured inputs, completeness provenance, synthetic statuses, the README's list of required
calls, docs/design.md's source table — derives from `SOURCES` here, or is checked against it by tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from assurance_jobs.source import AwsSource, FileSource, ParsedIn, Parser, Source, SourceKind
from assurance_jobs.sources import (
    agent_registry,
    agentcore_gateways,
    agentcore_identities,
    agentcore_runtimes,
    baseline,
    bedrock_agents,
    cloudformation_stack_sets,
    cloudformation_stacks,
    cloudtrail_activity,
    cloudtrail_history,
    cloudtrail_objects,
    codebuild_projects,
    directory_feed,
    ec2_instances,
    ecs_clusters,
    eks_cluster,
    eks_pod_identity_associations,
    glue_dev_endpoints,
    glue_jobs,
    iam_authorization_details,
    iam_credential_report,
    iam_roles,
    iam_server_certificates,
    iam_service_last_accessed,
    kms_keys,
    kubernetes_namespaces,
    kubernetes_pods,
    kubernetes_rbac,
    kubernetes_service_accounts,
    kubernetes_token_secrets,
    lambda_functions,
    learned_baseline,
    organizations_accounts,
    organizations_discovery,
    organizations_policies,
    previous_partition,
    sagemaker_notebook_instances,
    secretsmanager_secrets,
    ssm_managed_instances,
    sts_assume_role,
    sts_caller_identity,
    token_probes,
)

SOURCES: tuple[Source, ...] = (
    sts_caller_identity.SOURCE,
    iam_credential_report.SOURCE,
    iam_authorization_details.SOURCE,
    iam_roles.SOURCE,
    iam_server_certificates.SOURCE,
    organizations_accounts.SOURCE,
    secretsmanager_secrets.SOURCE,
    agent_registry.SOURCE,
    directory_feed.SOURCE,
    baseline.SOURCE,
    previous_partition.SOURCE,
    sts_assume_role.SOURCE,
    token_probes.SOURCE,
    cloudtrail_objects.SOURCE,
    cloudtrail_activity.SOURCE,
    cloudtrail_history.SOURCE,
    organizations_discovery.SOURCE,
    kms_keys.SOURCE,
    iam_service_last_accessed.SOURCE,
    learned_baseline.SOURCE,
    lambda_functions.SOURCE,
    cloudformation_stacks.SOURCE,
    cloudformation_stack_sets.SOURCE,
    codebuild_projects.SOURCE,
    ec2_instances.SOURCE,
    ssm_managed_instances.SOURCE,
    sagemaker_notebook_instances.SOURCE,
    glue_dev_endpoints.SOURCE,
    glue_jobs.SOURCE,
    ecs_clusters.SOURCE,
    organizations_policies.SOURCE,
    kubernetes_namespaces.SOURCE,
    kubernetes_service_accounts.SOURCE,
    kubernetes_token_secrets.SOURCE,
    kubernetes_rbac.SOURCE,
    kubernetes_pods.SOURCE,
    eks_cluster.SOURCE,
    eks_pod_identity_associations.SOURCE,
    bedrock_agents.SOURCE,
    agentcore_runtimes.SOURCE,
    agentcore_gateways.SOURCE,
    agentcore_identities.SOURCE,
)
"""Append a new source at the end (never reorder: the collector runs them in this order)."""


def by_name() -> dict[str, Source]:
    return {entry.name: entry for entry in SOURCES}


def source(name: str) -> Source:
    """The registered source `name`; a KeyError names the registry so a typo is found where it belongs."""
    try:
        return by_name()[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a registered source (assurance_jobs/sources/registry.py)") from None


def names(kinds: Iterable[SourceKind] | None = None) -> frozenset[str]:
    wanted = set(kinds) if kinds is not None else None
    return frozenset(s.name for s in SOURCES if wanted is None or s.kind in wanted)


def regional_names() -> frozenset[str]:
    return frozenset(s.name for s in SOURCES if s.regional)


def configured_input_names() -> frozenset[str]:
    """Evidence judged present or absent for the whole run: configured inputs, history, and file sources that
    produce no rows of their own (the directory feed, the baseline) — a file source with recorded statuses is
    judged by them instead; the agent registry, which produces the agents table, is a collected source."""
    return names(("input", "history")) | frozenset(s.name for s in SOURCES if s.kind == "file" and not s.tables)


def sources_feeding(table: str, kinds: Iterable[str] | None = None) -> tuple[str, ...]:
    """The sources whose rows make up `table` (its provenance); with `kinds`, only those that can produce rows
    of one of those `kind` values (a source that declares no `row_kinds` can produce any)."""
    wanted = None if kinds is None else set(kinds)
    return tuple(
        s.name
        for s in SOURCES
        if table in s.tables and (wanted is None or not s.row_kinds or wanted & set(s.row_kinds))
    )


def required_iam_actions() -> tuple[str, ...]:
    """Every IAM action the collectors call, in registry order, without repeats."""
    seen: dict[str, None] = {}
    for entry in SOURCES:
        for action in entry.iam_actions:
            seen.setdefault(action, None)
    return tuple(seen)


def aws_sources() -> tuple[AwsSource, ...]:
    """The sources the day's collection step reads from AWS per account (and per region), in registry order."""
    return tuple(entry for entry in SOURCES if isinstance(entry, AwsSource))


def cluster_sources() -> tuple[Source, ...]:
    """The sources collected once per configured Kubernetes cluster (scope `k8s:<cluster>`)."""
    return tuple(entry for entry in SOURCES if entry.scope == "cluster")


def file_sources() -> tuple[FileSource, ...]:
    """The configured exports snapshotted with the day's evidence."""
    return tuple(entry for entry in SOURCES if isinstance(entry, FileSource))


def parsers(parsed_in: ParsedIn) -> dict[str, Parser]:
    """Name → parser of the sources whose rows the step `parsed_in` consumes, in registry order."""
    return {entry.name: entry.parse for entry in SOURCES if entry.parse is not None and entry.parsed_in == parsed_in}
