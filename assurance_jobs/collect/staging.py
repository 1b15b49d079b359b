"""Per-account staged results: what one account's step collected, kept until the day's single commit.

Why: with one Dagster step per account (possibly one pod each), the steps cannot share memory, and a snapshot
must still appear all at once. Each step writes its files and status rows under
`staging/<date>/<run_id>/<task key>/` in the same storage as the snapshots (local folder or S3), and returns only
that key; the commit step reads them back and publishes one immutable snapshot. Staged files are never read as
evidence: they are not hashed into any manifest until the commit, which re-hashes what it writes. A lifecycle rule
(S3) or a periodic clean-up may expire `staging/` after a few days.
"""

from __future__ import annotations

import json

from assurance_jobs.collect.plan import AccountResult
from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob
from assurance_jobs.snapshot.storage import Storage

STAGING_PREFIX = "staging"
RESULT_NAME = "result.json"


def staging_prefix(partition_key: str, run_id: str, task_key: str) -> str:
    return f"{STAGING_PREFIX}/{partition_key}/{run_id}/{task_key}"


def stage_result(storage: Storage, prefix: str, result: AccountResult) -> str:
    """Write the blobs, then result.json last (a step that died half-way leaves no readable result)."""
    blobs = []
    for index, blob in enumerate(result.blobs):
        name = f"blob-{index:04d}.{blob.extension}"
        storage.write_bytes(f"{prefix}/{name}", blob.content)
        blobs.append(
            {
                "file": name,
                "account_id": blob.account_id,
                "source": blob.source,
                "region": blob.region,
                "extension": blob.extension,
            }
        )
    body = {
        "key": result.key,
        "account_id": result.account_id,
        "blobs": blobs,
        "statuses": [status.to_dict() for status in result.statuses],
        "record": result.record,
    }
    storage.write_bytes(f"{prefix}/{RESULT_NAME}", json.dumps(body, sort_keys=True).encode("utf-8"))
    return prefix


def load_staged(storage: Storage, prefix: str) -> AccountResult:
    body = json.loads(storage.read_bytes(f"{prefix}/{RESULT_NAME}"))
    blobs = [
        SourceBlob(
            b["account_id"], b["source"], storage.read_bytes(f"{prefix}/{b['file']}"), b["region"], b["extension"]
        )
        for b in body["blobs"]
    ]
    statuses = [CollectionStatus(**status) for status in body["statuses"]]
    return AccountResult(body["key"], body["account_id"], blobs, statuses, dict(body["record"]))
