"""The source registry: every kind of evidence the product snapshots, declared once.

PMapper registers one edge checker per service; here each source is one `Source` entry naming its file stem,
the API (or file) it comes from, whether it is collected per region, the IAM actions it needs, the inventory
tables its rows feed, and — as dotted paths resolved on use, so this module imports nothing else of the
package and any layer may read it — its collector and its parser. Lists of source names elsewhere
(snapshot constants, collector specs, suite validation, regional scopes, synthetic fixtures, the README's list
of required calls, docs/design.md's source table) are derived from `SOURCES` or checked against it by tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

SourceKind = Literal["aws", "file", "input", "history", "probe"]


@dataclass(frozen=True)
class Source:
    """One kind of evidence.

    `kind`: `aws` (an API call per account, and per region when `regional`), `file` (an export the run reads and
    snapshots, e.g. the agent registry), `input` (configured input judged present/absent for the whole run),
    `history` (derived from earlier stored partitions), `probe` (an active runtime test).
    `tables`: the inventory tables whose rows this source produces — the provenance that makes a rule over
    those tables INCOMPLETE when the source is not `ok`. `row_kinds`: the values of those rows' `kind` column
    (empty: rows of every kind), so a rule scoped to `kind == "secret"` depends on the secrets source only, not
    on the credential report that fills the same table.
    `collector` / `parser`: "module:function" dotted paths, resolved lazily by `collector_of` / `parser_of`.
    `enabled_by`: for an optional `aws` source, the boolean account setting that switches it on.
    `extra["with_trail"]`: an `aws` source collected only where the account's CloudTrail is read, in the trail's
    regions (the KMS key inventory: what runtime activity is judged with, worthless without that activity).
    """

    name: str
    api: str
    kind: SourceKind
    description: str
    regional: bool = False
    iam_actions: tuple[str, ...] = ()
    extension: str = "json"
    tables: tuple[str, ...] = ()
    optional: bool = False
    collector: str | None = None
    parser: str | None = None
    enabled_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    row_kinds: tuple[str, ...] = ()

    @property
    def service(self) -> str:
        """The AWS service prefix of `api` ("iam" for "iam:ListRoles"); the scheme for files ("file")."""
        return self.api.partition(":")[0]

    @property
    def operation(self) -> str:
        """The operation name of `api` as in IAM actions ("ListRoles")."""
        return self.api.partition(":")[2]


SOURCES: tuple[Source, ...] = (
    Source(
        "sts_caller_identity",
        "sts:GetCallerIdentity",
        "aws",
        "the account id the credentials resolve to (single response)",
        iam_actions=("sts:GetCallerIdentity",),
        collector="assurance_jobs.collect.aws:collect_caller_identity",
        # It names the account of every row: rows of an account that could not be identified prove nothing.
        tables=("identities", "credentials", "agents"),
    ),
    Source(
        "iam_credential_report",
        "iam:GenerateCredentialReport",
        "aws",
        "the raw credential report CSV: passwords and access keys with their ages and last use",
        iam_actions=("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
        extension="csv",
        tables=("credentials",),
        collector="assurance_jobs.collect.aws:collect_credential_report",
        parser="assurance_jobs.scan.sources.iam_credential_report:parse",
        row_kinds=("access_key", "console_password"),
    ),
    Source(
        "iam_authorization_details",
        "iam:GetAccountAuthorizationDetails",
        "aws",
        "every user, group, role and managed policy with their documents (all pages, MaxItems 1000)",
        iam_actions=("iam:GetAccountAuthorizationDetails",),
        tables=("identities", "policies"),
        collector="assurance_jobs.collect.aws:collect_pages",
        parser="assurance_jobs.scan.sources.iam_authorization_details:parse",
        row_kinds=("user", "role"),
    ),
    Source(
        "iam_roles",
        "iam:ListRoles",
        "aws",
        "roles with MaxSessionDuration (not in the authorization details)",
        iam_actions=("iam:ListRoles",),
        collector="assurance_jobs.collect.aws:collect_pages",
        parser="assurance_jobs.scan.sources.iam_roles:parse",
    ),
    Source(
        "iam_server_certificates",
        "iam:ListServerCertificates",
        "aws",
        "server certificates with their expiry",
        iam_actions=("iam:ListServerCertificates",),
        tables=("credentials",),
        collector="assurance_jobs.collect.aws:collect_pages",
        parser="assurance_jobs.scan.sources.iam_server_certificates:parse",
        row_kinds=("server_certificate",),
    ),
    Source(
        "organizations_accounts",
        "organizations:ListAccounts",
        "aws",
        "the organization's accounts (only where enabled)",
        iam_actions=("organizations:ListAccounts",),
        optional=True,
        collector="assurance_jobs.collect.aws:collect_pages",
        enabled_by="collect_organizations",
    ),
    Source(
        "secretsmanager_secrets",
        "secretsmanager:ListSecrets",
        "aws",
        "secret metadata per region: rotation, last rotated, last accessed — never values",
        regional=True,
        iam_actions=("secretsmanager:ListSecrets",),
        tables=("credentials",),
        collector="assurance_jobs.collect.aws:collect_pages",
        parser="assurance_jobs.scan.sources.secretsmanager_secrets:parse",
        row_kinds=("secret",),
    ),
    Source(
        "agent_registry",
        "file:agent_registry",
        "file",
        "the AI agent registry export (YAML/JSON), snapshotted like an API response",
        optional=True,
        tables=("agents",),
        collector="assurance_jobs.pipeline:agent_registry_source",
        parser="assurance_jobs.baseline.registry:parse_registry",
    ),
    Source(
        "directory_feed",
        "file:directory_feed",
        "file",
        "the HR/IdP export of people and their status, snapshotted byte for byte (cited on NHI-OFF-004)",
        optional=True,
        extension="csv",
    ),
    Source(
        "baseline",
        "file:baseline_dir",
        "file",
        "the approved baseline YAML files, copied into the inventory partition with their sha256 (cited on NHI-BL-*)",
        optional=True,
        extension="yaml",
    ),
    Source(
        "previous_partition",
        "history:previous_partition",
        "history",
        "the latest earlier stored day, for drift",
    ),
    Source(
        "sts_assume_role",
        "sts:AssumeRole",
        "aws",
        "entering an account's role failed, or the organization lists the account as suspended: a status row "
        "only, recorded by the pipeline, that makes every rule INCOMPLETE for that account",
        iam_actions=("sts:AssumeRole",),
    ),
    Source(
        "token_probes",
        "probe:token_replay",
        "probe",
        "active runtime probes: a short-lived token (OAuth2 client credentials or an STS session) replayed after "
        "expiry; stored under probes/<date>/<probe_run_id>/ by the probe job (docs/probes.md)",
        optional=True,
        tables=("probes",),
        collector="assurance_jobs.probes.runner:run_probes",
        parser="assurance_jobs.scan.probe_facts:probe_table",
    ),
    Source(
        "cloudtrail_objects",
        "s3:ListBucket",
        "aws",
        "the covered day's CloudTrail log objects per region: key, ETag, size, sha256, hours without objects",
        regional=True,
        iam_actions=("s3:ListBucket",),
        tables=("activity",),
        optional=True,
    ),
    Source(
        "cloudtrail_activity",
        "s3:GetObject",
        "aws",
        "the day's CloudTrail records reduced to activity rows (principal, call, network, agent, error, counts); "
        "status carries log coverage — never request or response bodies",
        regional=True,
        iam_actions=("s3:GetObject",),
        extension="parquet",
        tables=("activity",),
        optional=True,
        parser="assurance_jobs.scan.sources.cloudtrail_activity:parse",
        extra={"collected_by": "assurance_jobs.collect.cloudtrail:collect_cloudtrail (per trail, with the day)"},
    ),
    Source(
        "cloudtrail_history",
        "history:cloudtrail_activity",
        "history",
        "90 days of stored, fully covered activity (NHI-RT-005 judges unused grants over it)",
        optional=True,
    ),
    Source(
        "organizations_discovery",
        "organizations:ListAccounts",
        "aws",
        "the organization's accounts with their state, OU and (for tag filters) tags: the accounts a run must "
        "cover, read once per run from the management or delegated-administrator account (docs/organizations.md)",
        iam_actions=(
            "organizations:ListAccounts",
            "organizations:ListRoots",
            "organizations:ListOrganizationalUnitsForParent",
            "organizations:ListAccountsForParent",
            "organizations:ListTagsForResource",
        ),
        optional=True,
        collector="assurance_jobs.collect.organization:discover",
        extra={"scope": "organization"},  # collected once per run by collect.plan, never per account
    ),
    Source(
        "kms_keys",
        "kms:ListKeys",
        "aws",
        "KMS key ARNs per region with their tags (never key material or policies): the tagged keys whose "
        "kms:Decrypt counts as a secrets-store read for NHI-RT-001; collected only where CloudTrail is read",
        regional=True,
        iam_actions=("kms:ListKeys", "kms:ListResourceTags"),
        optional=True,
        collector="assurance_jobs.collect.aws:collect_kms_keys",
        parser="assurance_jobs.scan.sources.kms_keys:parse",
        extra={"with_trail": True},  # collected with the CloudTrail day, in the trail's regions (collect.aws)
    ),
    Source(
        "iam_service_last_accessed",
        "iam:GenerateServiceLastAccessedDetails",
        "aws",
        "IAM Access Advisor per user and role (service-linked roles skipped): each service's namespace and when the "
        "principal last authenticated to it, for NHI-RT-005 before 90 days of activity are stored (only where enabled)",
        iam_actions=(
            "iam:ListUsers",
            "iam:ListRoles",
            "iam:GenerateServiceLastAccessedDetails",
            "iam:GetServiceLastAccessedDetails",
        ),
        optional=True,
        collector="assurance_jobs.collect.aws:collect_service_last_accessed",
        parser="assurance_jobs.scan.sources.iam_service_last_accessed:parse",
        enabled_by="collect_service_last_accessed",
    ),
)

BY_NAME: dict[str, Source] = {source.name: source for source in SOURCES}


def source(name: str) -> Source:
    """The registered source `name`; a KeyError names the registry so a typo is found where it belongs."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a registered source (assurance_jobs/sources.py)") from None


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


def _resolve(path: str | None, what: str, name: str) -> Callable[..., Any]:
    if path is None:
        raise LookupError(f"source {name!r} has no {what}")
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def collector_of(name: str) -> Callable[..., Any]:
    return _resolve(source(name).collector, "collector", name)


def parser_of(name: str) -> Callable[..., Any]:
    return _resolve(source(name).parser, "parser", name)
