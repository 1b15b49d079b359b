"""`kms_keys`: KMS key ARNs and their tags per region (ListKeys + ListResourceTags) — metadata only.

No inventory rows of their own: the keys' tags decide which `kms:Decrypt` calls are secrets-store reads for
NHI-RT-001 (scan/runtime.py `classify_keys`, with the baseline's `secret_key_tags`). A key whose tags could not
be read maps to None — unknown, never "untagged".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assurance_jobs.scan.sources.common import Context, dicts, load_pages
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "kms_keys"


@dataclass(frozen=True)
class KmsKeys:
    """key ARN -> its tags (None: the tags could not be read), over every region the snapshot holds."""

    tags: dict[str, dict[str, str] | None]


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> KmsKeys | None:
    """The account's keys over every region the snapshot holds; None when it holds no key file for the account."""
    regions = sorted(
        {f.region for f in snapshot.manifest.files if f.account_id == account_id and f.source == SOURCE and f.region}
    )
    if not regions:
        return None
    found: dict[str, dict[str, str] | None] = {}
    for region in regions:
        loaded = load_pages(snapshot, account_id, SOURCE, region, ctx.warnings)
        for page in loaded[0] if loaded else []:
            for key in dicts(page.get("Keys")):
                arn = key.get("KeyArn")
                if not arn:
                    continue
                has_tags = isinstance(key.get("Tags"), list) and "TagsError" not in key
                found[str(arn)] = _tags(key["Tags"]) if has_tags else None
    return KmsKeys(found)


def _tags(tags: list[Any]) -> dict[str, str]:
    """KMS spells tags TagKey/TagValue (IAM: Key/Value)."""
    return {str(t["TagKey"]): str(t.get("TagValue") or "") for t in dicts(tags) if "TagKey" in t}
