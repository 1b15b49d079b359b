"""The snapshot contract shared by the collector, the store and the inventory (see docs/design.md)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

CollectionState = Literal["ok", "partial", "error"]

# The file stems of the sources the lower layers name (the collector, the store, the inventory). Each is spelled
# once, here; its source module in `assurance_jobs/sources/` declares it with this constant, and
# tests/collect/test_sources_registry.py checks the two agree.
STS_CALLER_IDENTITY = "sts_caller_identity"
IAM_CREDENTIAL_REPORT = "iam_credential_report"
IAM_AUTHORIZATION_DETAILS = "iam_authorization_details"
IAM_ROLES = "iam_roles"
IAM_SERVER_CERTIFICATES = "iam_server_certificates"
ORGANIZATIONS_ACCOUNTS = "organizations_accounts"
SECRETSMANAGER_SECRETS = "secretsmanager_secrets"
AGENT_REGISTRY = "agent_registry"
DIRECTORY_FEED = "directory_feed"
STS_ASSUME_ROLE = "sts_assume_role"


@dataclass(frozen=True)
class CollectionStatus:
    """What one API call (over all its pages) yielded: the evidence-completeness record."""

    account_id: str
    source: str
    api: str
    region: str | None
    status: CollectionState
    error_code: str | None = None
    message: str | None = None
    pages: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SourceBlob:
    """One raw response file, ready to be written into a snapshot."""

    account_id: str
    source: str
    content: bytes
    region: str | None = None
    extension: str = "json"

    @property
    def relative_path(self) -> str:
        region_part = f".{self.region}" if self.region else ""
        return f"{self.account_id}/{self.source}{region_part}.{self.extension}"


@dataclass(frozen=True)
class ManifestFile:
    path: str
    account_id: str
    source: str
    region: str | None
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    snapshot_id: str
    partition_date: date
    taken_at: datetime
    tool_version: str
    duration_seconds: float
    accounts: list[str]
    files: list[ManifestFile]
    collection_status: list[CollectionStatus]
    schema_version: int = 1
    # One entry per account the run had to cover (docs/organizations.md): account_id, name, ou_id, ou_path,
    # state, collection (complete | incomplete | unreachable | suspended | failed), key, carried_over_from.
    account_status: list[dict[str, Any]] = field(default_factory=list)
    # The hash chain: the snapshot committed before this one (partition_date, snapshot_id, sha256 of its
    # manifest.json bytes), None for the first; removing or altering an earlier day breaks the link.
    previous_manifest: dict[str, str] | None = None
    # The fingerprint of the Ed25519 key that signed this manifest (`manifest.json.sig`), None when unsigned.
    signing_key: str | None = None

    def to_json(self) -> bytes:
        body = {
            "schema_version": self.schema_version,
            "snapshot_id": self.snapshot_id,
            "partition_date": self.partition_date.isoformat(),
            "taken_at": self.taken_at.isoformat(),
            "tool_version": self.tool_version,
            "duration_seconds": round(self.duration_seconds, 3),
            "accounts": self.accounts,
            "files": [asdict(entry) for entry in self.files],
            "collection_status": [status.to_dict() for status in self.collection_status],
            "account_status": self.account_status,
            "previous_manifest": self.previous_manifest,
            "signing_key": self.signing_key,
        }
        return json.dumps(body, indent=2, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        body = json.loads(raw)
        return cls(
            schema_version=body["schema_version"],
            snapshot_id=body["snapshot_id"],
            partition_date=date.fromisoformat(body["partition_date"]),
            taken_at=datetime.fromisoformat(body["taken_at"]),
            tool_version=body["tool_version"],
            duration_seconds=body["duration_seconds"],
            accounts=list(body["accounts"]),
            files=[ManifestFile(**entry) for entry in body["files"]],
            collection_status=[CollectionStatus(**status) for status in body["collection_status"]],
            account_status=list(body.get("account_status", [])),
            previous_manifest=body.get("previous_manifest"),
            signing_key=body.get("signing_key"),
        )


@dataclass(frozen=True)
class Snapshot:
    """A committed snapshot read back into memory: the manifest plus the raw bytes of every file."""

    manifest: Manifest
    location: str
    contents: dict[str, bytes] = field(repr=False)

    def file(self, account_id: str, source: str, region: str | None = None) -> ManifestFile | None:
        for entry in self.manifest.files:
            if (entry.account_id, entry.source, entry.region) == (account_id, source, region):
                return entry
        return None

    def read(self, account_id: str, source: str, region: str | None = None) -> bytes | None:
        entry = self.file(account_id, source, region)
        return None if entry is None else self.contents[entry.path]

    def pages(self, account_id: str, source: str, region: str | None = None) -> list[dict[str, Any]] | None:
        raw = self.read(account_id, source, region)
        return None if raw is None else json.loads(raw)["pages"]
