"""`secretsmanager_secrets`: ListSecrets metadata per region — one credential per secret (never its value)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assurance_jobs.scan.sources.common import Context, CredentialRows, Provenance, credential_row, dicts, load_pages
from assurance_jobs.snapshot.model import SECRETSMANAGER_SECRETS, Snapshot


@dataclass(frozen=True)
class Secrets(CredentialRows):
    """Credential rows (kind `secret`) of every region the snapshot holds for the account."""


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> Secrets:
    credentials: list[dict[str, Any]] = []
    for region in _regions(snapshot, account_id, SECRETSMANAGER_SECRETS):
        secrets = load_pages(snapshot, account_id, SECRETSMANAGER_SECRETS, region, ctx.warnings)
        if secrets:
            credentials += _secret_rows(account_id, region, secrets[0], secrets[1], ctx)
    return Secrets(credentials)


def _secret_rows(
    account_id: str, region: str, pages: list[dict[str, Any]], provenance: Provenance, ctx: Context
) -> list[dict[str, Any]]:
    rows = []
    for page in pages:
        for secret in dicts(page.get("SecretList")):
            arn = secret.get("ARN")
            if not arn:
                ctx.warnings.append(f"{provenance.source_file}: secret without ARN skipped")
                continue
            rules = secret.get("RotationRules")
            interval = rules.get("AutomaticallyAfterDays") if isinstance(rules, dict) else None
            rows.append(
                credential_row(
                    ctx,
                    provenance,
                    account_id=account_id,
                    credential_id=str(arn),
                    kind="secret",
                    owner_arn=None,
                    owner_is_nhi=True,
                    region=region,
                    created=ctx.time(secret.get("CreatedDate"), f"{arn} CreatedDate"),
                    last_rotated=ctx.time(secret.get("LastRotatedDate"), f"{arn} LastRotatedDate"),
                    last_used=ctx.time(secret.get("LastAccessedDate"), f"{arn} LastAccessedDate"),
                    usage_tracked=True,
                    active=True,
                    rotation_enabled=secret.get("RotationEnabled") is True,
                    rotation_interval_days=float(interval) if isinstance(interval, int | float) else None,
                )
            )
    return rows


def _regions(snapshot: Snapshot, account_id: str, source: str) -> list[str]:
    files = snapshot.manifest.files
    return sorted({f.region for f in files if f.account_id == account_id and f.source == source and f.region})
