"""`agent_registry`: the AI agent registry export (YAML/JSON), snapshotted byte for byte like an API response."""

from collections.abc import Sequence

from assurance_jobs.baseline import registry
from assurance_jobs.collect.files import snapshot_file
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.snapshot.model import AGENT_REGISTRY, CollectionStatus, SourceBlob
from assurance_jobs.source import FileSource

API = "file:agent_registry"


def collect(config: AssuranceConfig, accounts: Sequence[str]) -> tuple[list[SourceBlob], list[CollectionStatus]]:
    """The configured export; an unreadable or malformed one makes exactly the agent rules INCOMPLETE everywhere."""
    assert config.agent_registry is not None
    return snapshot_file(
        AGENT_REGISTRY,
        API,
        config.agent_registry,
        accounts,
        validate=registry.validated_extension,
        malformed=(registry.RegistryError, ValueError),  # ValueError: not UTF-8
        code_prefix="Registry",
    )


SOURCE = FileSource(
    name=AGENT_REGISTRY,
    api=API,
    description="the AI agent registry export (YAML/JSON), snapshotted like an API response",
    tables=("agents",),
    row_kinds=("registered_agent",),  # an entry merged into a discovered agent takes the platform's facts
    configured=lambda config: bool(config.agent_registry),
    collect=collect,
    parse=registry.parse,
    parsed_in="agents",
)
