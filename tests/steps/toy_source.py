"""A toy source, written exactly as docs/design.md "Adding a source" says: one module declaring one `SOURCE`.

`iam_virtual_mfa_devices` (iam:ListVirtualMFADevices): every virtual MFA device, with the user it is assigned to —
one credential row each (kind `mfa_device`). Small enough that its parser lives beside the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass

from assurance_jobs.collect.aws import collect_pages
from assurance_jobs.scan.sources.common import Context, CredentialRows, credential_row, dicts, load_pages
from assurance_jobs.snapshot.model import Snapshot
from assurance_jobs.source import AwsSource

NAME = "iam_virtual_mfa_devices"


@dataclass(frozen=True)
class MfaDevices(CredentialRows):
    """Credential rows (kind `mfa_device`), one per virtual MFA device."""


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> MfaDevices | None:
    loaded = load_pages(snapshot, account_id, NAME, None, ctx.warnings)
    if loaded is None:
        return None
    pages, provenance = loaded
    rows = [
        credential_row(
            ctx,
            provenance,
            account_id=account_id,
            credential_id=str(device["SerialNumber"]),
            kind="mfa_device",
            owner_arn=(device.get("User") or {}).get("Arn"),
            owner_is_nhi=True,
            created=ctx.time(device.get("EnableDate"), f"{device['SerialNumber']} EnableDate"),
            last_used=None,
            usage_tracked=False,
            active=True,
        )
        for page in pages
        for device in dicts(page.get("VirtualMFADevices"))
        if device.get("SerialNumber")
    ]
    return MfaDevices(rows)


SOURCE = AwsSource(
    name=NAME,
    api="iam:ListVirtualMFADevices",
    description="virtual MFA devices with the user they are assigned to",
    iam_actions=("iam:ListVirtualMFADevices",),
    tables=("credentials",),
    row_kinds=("mfa_device",),
    collect=collect_pages,
    parse=parse,
    parsed_in="inventory",
)
