"""`iam_server_certificates`: ListServerCertificates metadata — one credential per certificate with its expiry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assurance_jobs.scan.sources.common import Context, CredentialRows, Provenance, credential_row, dicts, load_pages
from assurance_jobs.snapshot.model import IAM_SERVER_CERTIFICATES, Snapshot


@dataclass(frozen=True)
class ServerCertificates(CredentialRows):
    """Credential rows (kind `server_certificate`), one per certificate."""


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> ServerCertificates | None:
    loaded = load_pages(snapshot, account_id, IAM_SERVER_CERTIFICATES, None, ctx.warnings)
    return ServerCertificates(_certificate_rows(account_id, loaded[0], loaded[1], ctx)) if loaded else None


def _certificate_rows(
    account_id: str, pages: list[dict[str, Any]], provenance: Provenance, ctx: Context
) -> list[dict[str, Any]]:
    rows = []
    for page in pages:
        for cert in dicts(page.get("ServerCertificateMetadataList")):
            arn = cert.get("Arn")
            if not arn:
                ctx.warnings.append(f"{provenance.source_file}: server certificate without Arn skipped")
                continue
            rows.append(
                credential_row(
                    ctx,
                    provenance,
                    account_id=account_id,
                    credential_id=str(arn),
                    kind="server_certificate",
                    owner_arn=None,
                    owner_is_nhi=True,
                    last_used=None,
                    usage_tracked=False,
                    active=True,
                    created=ctx.time(cert.get("UploadDate"), f"{arn} UploadDate"),
                    expires=ctx.time(cert.get("Expiration"), f"{arn} Expiration"),
                )
            )
    return rows
