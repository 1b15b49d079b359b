"""The AI agent registry: a file export (YAML or JSON) listing each agent, the IAM identity it runs as, and its tool
scopes (granted and requested).

WHY a snapshotted source: the registry changes like IAM does (an agent is granted a broader tool scope), so the
exact bytes used for a day's findings are stored in the snapshot beside the AWS responses (``validated_extension``) and
re-evaluating an old day reads the old registry. Parsing is pure: the caller reads the bytes.

The registry is an export from another system, so unknown fields are ignored (its schema is not ours to forbid),
but the fields we judge on must be present and well-formed, or parsing stops with the entry and field named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import AGENT_REGISTRY, Snapshot, SourceBlob
from assurance_jobs.yaml_files import describe_validation_error


class RegistryError(ValueError):
    """A registry export we cannot judge on, phrased for whoever produced the export."""


class RegistryAgent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    runtime_identity_arn: str = Field(pattern=r"^arn:aws[a-z-]*:(iam|sts)::\d{12}:")
    scopes_granted: tuple[str, ...] = ()
    scopes_requested: tuple[str, ...] = ()
    name: str | None = None
    owner: str | None = None
    platform_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:bedrock(-agentcore)?:[a-z0-9-]+:\d{12}:",
        description="The agent on its platform (a Bedrock agent or AgentCore runtime ARN): the entry is merged with "
        "what is discovered there — the platform wins for facts, the baseline for approval.",
    )

    @field_validator("scopes_granted", "scopes_requested", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return () if value is None else value

    @property
    def account_id(self) -> str:
        return self.runtime_identity_arn.split(":")[4]


def _load(raw: bytes, source: str) -> Any:
    """JSON first (exact), then YAML (a superset); a document of neither is an error."""
    text = raw.decode("utf-8-sig")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RegistryError(f"{source}: neither valid JSON nor valid YAML") from error


def _entries(data: Any, source: str) -> list[Any]:
    if data is None:
        return []
    items = data.get("agents") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise RegistryError(f"{source}: expected a list of agents (or a mapping with an 'agents' list)")
    return items


def _agent(item: Any, index: int, source: str) -> RegistryAgent:
    try:
        return RegistryAgent.model_validate(item)
    except ValidationError as error:
        label = f" '{item['id']}'" if isinstance(item, dict) and isinstance(item.get("id"), str) else ""
        where = f"{source}: agents[{index}]{label}"
        raise RegistryError(describe_validation_error(error, where, empty="(entry)", count_more=False)) from None


def parse_registry(raw: bytes, source: str = AGENT_REGISTRY) -> list[RegistryAgent]:
    """The agents of a registry export, in file order; duplicated agent ids are rejected (ambiguous approvals)."""
    agents = [_agent(item, i, source) for i, item in enumerate(_entries(_load(raw, source), source))]
    ids = [agent.id for agent in agents]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise RegistryError(f"{source}: agent ids appear more than once: {', '.join(duplicated)}")
    claimed = [agent.platform_arn for agent in agents if agent.platform_arn]
    twice = sorted({arn for arn in claimed if claimed.count(arn) > 1})
    if twice:
        raise RegistryError(f"{source}: platform_arn names the same agent in two entries: {', '.join(twice)}")
    return agents


def _extension(raw: bytes) -> str:
    try:
        json.loads(raw.decode("utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "yaml"
    return "json"


def validated_extension(raw_bytes: bytes) -> str:
    """The export's snapshot file extension (json or yaml), once it is known to parse.

    Raises RegistryError when the export cannot be parsed, so the snapshot step records a collection error
    (making NHI-BL-004 INCOMPLETE) instead of storing something no rule can read.
    """
    parse_registry(raw_bytes)
    return _extension(raw_bytes)


def registry_blob(account_id: str, raw_bytes: bytes) -> SourceBlob:
    """The registry export as a snapshot file, stored byte for byte (it is evidence)."""
    return SourceBlob(account_id, AGENT_REGISTRY, raw_bytes, extension=validated_extension(raw_bytes))


@dataclass(frozen=True)
class RegistrySource:
    """The agent registry as read from the snapshot, with the file it came from."""

    agents: list[RegistryAgent]
    source_file: str
    source_sha256: str


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> RegistrySource | None:
    """The registry file the snapshot keeps under `account_id` (the run's first account), or None.

    The file was checked when it was snapshotted; one that no longer parses is a warning and None, never rows."""
    entry = snapshot.file(account_id, AGENT_REGISTRY)
    if entry is None:
        return None
    try:
        agents = parse_registry(snapshot.contents[entry.path], entry.path)
    except (RegistryError, ValueError) as error:
        ctx.warnings.append(f"{entry.path}: unreadable agent registry ({error})")
        return None
    return RegistrySource(agents, entry.path, entry.sha256)
