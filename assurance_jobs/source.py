"""What a source is: the typed value each module of `assurance_jobs/sources/` declares, and the signatures its
collector and parser follow.

A source is one kind of evidence. Three shapes exist, because evidence arrives three ways:

* `AwsSource` — an API read per account (per region when `regional`): `collect(make_client, source)` returns the
  pages and the exact bytes to store; the day's collection step runs every one in registry order.
* `FileSource` — an export the run snapshots byte for byte (the agent registry, the HR feed): `collect(config,
  accounts)` returns its file and one status per account, so an unreadable file makes its rules INCOMPLETE
  everywhere instead of silently empty.
* `Source` — evidence produced elsewhere (CloudTrail read with the trail, probe runs, earlier stored days,
  configured inputs, a failed role entry): declared here so completeness, docs and suites know it, collected by
  the step that owns it.

Every parser has one signature, `parse(snapshot, account_id, ctx) -> rows | None`: pure, bytes in, rows out, ages
against `ctx.taken_at`, odd input a warning in `ctx.warnings` and None — never an exception. A parser whose
result is a `TableRows` contributes its rows to the inventory tables it names with no other code (a new kind of
credential, say); the identity sources are assembled by `scan/inventory.py` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assurance_jobs.config import AssuranceConfig
from assurance_jobs.scan.sources.common import Context, TableRows
from assurance_jobs.snapshot.model import CollectionStatus, Snapshot, SourceBlob

__all__ = [
    "AwsCollector",
    "AwsSource",
    "CollectFailure",
    "CollectResult",
    "FileCollector",
    "FileSource",
    "MakeClient",
    "ParsedIn",
    "Parser",
    "Scope",
    "Source",
    "SourceKind",
    "TableRows",
]

SourceKind = Literal["aws", "file", "input", "history", "probe", "kubernetes"]
Scope = Literal["account", "trail", "organization", "cluster"]
"""`account`: collected for every account; `trail`: only where the account's CloudTrail is read, in the trail's
regions (what activity is judged with); `organization`: once per run from the management account; `cluster`: once
per configured Kubernetes cluster, under the cluster's scope `k8s:<cluster>` (docs/kubernetes.md)."""
ParsedIn = Literal["inventory", "runtime", "agents", "privesc", "kubernetes", "agent_platform", "none"]
"""Which step consumes the parser's result: the inventory tables, the runtime evidence, the agents table, the
escalation analysis' inputs (existing resources, the organization's SCPs and RCPs: `scan/privesc_snapshot.py`), the
Kubernetes inventory (`scan/kubernetes/`), or the agent-platform analysis (`scan/agents.py`: agents, their
tools, credentials and links across sources)."""

MakeClient = Callable[[], Any]


@dataclass(frozen=True)
class CollectFailure:
    code: str
    message: str


@dataclass(frozen=True)
class CollectResult:
    """Pages (their count is the status' `pages`), any failure (pages kept: `partial`), and the file content."""

    pages: list[dict[str, Any]]
    failure: CollectFailure | None = None
    truncated_without_marker: bool = False
    content: bytes | None = None


Parser = Callable[[Snapshot, str, Context], Any]
"""`parse(snapshot, account_id, ctx)`: the account's rows of this source, or None when the snapshot holds none."""


@dataclass(frozen=True, kw_only=True)
class Source:
    """One kind of evidence, declared once.

    `tables`: the inventory tables whose rows this source produces — the provenance that makes a rule over those
    tables INCOMPLETE when the source is not `ok`. `row_kinds`: the values of those rows' `kind` column (empty:
    rows of every kind), so a rule over `kind == "secret"` depends on the secrets source only.
    `enabled_by`: for an optional source, the boolean account setting that switches it on.
    """

    name: str
    api: str
    kind: SourceKind
    description: str
    regional: bool = False
    iam_actions: tuple[str, ...] = ()
    extension: str = "json"
    tables: tuple[str, ...] = ()
    row_kinds: tuple[str, ...] = ()
    optional: bool = False
    enabled_by: str | None = None
    scope: Scope = "account"
    parse: Parser | None = None
    parsed_in: ParsedIn = "none"
    collected_by: str = ""
    """For a source collected by a step rather than by the registry: which one (docs and the registry test)."""

    @property
    def service(self) -> str:
        """The AWS service prefix of `api` ("iam" for "iam:ListRoles"); the scheme for files ("file")."""
        return self.api.partition(":")[0]

    @property
    def operation(self) -> str:
        """The operation name of `api` as in IAM actions ("ListRoles")."""
        return self.api.partition(":")[2]


AwsCollector = Callable[[MakeClient, "AwsSource"], CollectResult]
"""`collect(make_client, source)`: never raises on an AWS error; returns the failure with the pages that arrived."""


@dataclass(frozen=True, kw_only=True)
class AwsSource(Source):
    """An API read per account (and region), run by the day's collection step in registry order."""

    kind: SourceKind = "aws"
    collect: AwsCollector


FileCollector = Callable[[AssuranceConfig, Sequence[str]], tuple[list[SourceBlob], list[CollectionStatus]]]
"""`collect(config, accounts)`: the configured file as one blob (none if unusable) and a status per account."""


@dataclass(frozen=True, kw_only=True)
class FileSource(Source):
    """A configured export snapshotted byte for byte with the day's evidence (only where configured)."""

    kind: SourceKind = "file"
    optional: bool = True
    configured: Callable[[AssuranceConfig], bool]
    collect: FileCollector
