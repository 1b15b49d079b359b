"""Collect one account's CloudTrail day from S3: list the log objects, read them, reduce them to activity.

Which day: partition D covers the previous full UTC day, D-1 (00:00 to 24:00). The daily run starts at 06:00, by
when CloudTrail (which delivers about every five minutes) has delivered all of D-1, so coverage can be complete
and is checked hour by hour. The day folder in the key is the delivery day; a record delivered just after
midnight sits in the next folder, as AWS documents, and is counted there.

Evidence kept per (account, region), so every runtime finding traces to its log objects:
* `cloudtrail_objects.<region>.json` — every object key with its ETag, size and sha256 (computed while reading),
  the hours with no object and the objects that could not be read;
* `cloudtrail_activity.<region>.parquet` — the reduced activity table (collect/activity.py). Request and
  response bodies are never stored.
Coverage is evidence: a missing bucket or trail, a day with no objects, an hour with no object or an unreadable
object makes `cloudtrail_activity` `partial`/`error`, so the runtime rules read INCOMPLETE for that account.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.collect.activity import (
    Reduction,
    ReductionFailed,
    UnreadableLogs,
    combine,
    empty_activity,
    readable_format,
    reduce_files,
    to_parquet,
)
from assurance_jobs.config import TrailConfig
from assurance_jobs.snapshot.model import CollectionStatus, SourceBlob

CLOUDTRAIL_OBJECTS = "cloudtrail_objects"
CLOUDTRAIL_ACTIVITY = "cloudtrail_activity"
LIST_API = "s3:ListBucket"
READ_API = "s3:GetObject"
CHUNK = 1 << 20
# <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
_LOG_NAME = re.compile(r"^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]+\.json\.gz$")


def covered_day(partition_date: date) -> date:
    """The UTC day of logs a partition covers: the previous full day."""
    return partition_date - timedelta(days=1)


def regions_prefix(trail: TrailConfig, account_id: str) -> str:
    """`<prefix>/AWSLogs/[<org-id>/]<account>/CloudTrail/`: one folder per region the trail delivers."""
    parts = [trail.prefix] if trail.prefix else []
    parts.append("AWSLogs")
    if trail.organization_id:
        parts.append(trail.organization_id)
    parts += [account_id, "CloudTrail"]
    return "/".join(parts) + "/"


def day_prefix(trail: TrailConfig, account_id: str, region: str, day: date) -> str:
    """`<prefix>/AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/` (no leading slash without prefix)."""
    return f"{regions_prefix(trail, account_id)}{region}/{day:%Y/%m/%d}/"


def log_object_key(trail: TrailConfig, account_id: str, region: str, delivered: datetime, unique: str) -> str:
    """The key CloudTrail writes a log object under (used by the demo, the tests and the benchmark)."""
    name = f"{account_id}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{unique}.json.gz"
    return day_prefix(trail, account_id, region, delivered.date()) + name


def delivery_hour(key: str) -> int | None:
    """The UTC hour in a log object's name, or None if the name is not CloudTrail's."""
    match = _LOG_NAME.match(key.rsplit("/", 1)[-1])
    return int(match.group(3)[9:11]) if match else None


@dataclass
class _DayObjects:
    listed: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    failure: tuple[str, str] | None = None


def _error(error: ClientError | BotoCoreError) -> tuple[str, str]:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return str(details.get("Code") or "ClientError"), str(details.get("Message") or error)
    return type(error).__name__, str(error)


def _list_day(s3: Any, bucket: str, prefix: str) -> _DayObjects:
    found = _DayObjects()
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            found.listed += [o for o in page.get("Contents", []) if o["Key"].endswith(".json.gz")]
    except (ClientError, BotoCoreError) as error:
        found.failure = _error(error)
    return found


def _download(s3: Any, bucket: str, entry: dict[str, Any], folder: Path, index: int) -> dict[str, Any]:
    """Stream one object to disk, hashing as it goes; the record of it goes into the snapshot."""
    path = folder / f"{index:06d}.json.gz"
    digest = hashlib.sha256()
    size = 0
    body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"]
    with path.open("wb") as out:
        for chunk in body.iter_chunks(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {
        "Key": entry["Key"],
        "ETag": str(entry.get("ETag", "")).strip('"'),
        "Size": size,
        "Sha256": digest.hexdigest(),
        "LastModified": _iso(entry.get("LastModified")),
        "path": str(path),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (None if value is None else str(value))


def _reduce(objects: list[dict[str, Any]], unreadable: list[dict[str, str]]) -> Reduction:
    """All files in one DuckDB pass; if that fails, find the damaged files one by one and reduce the rest."""
    paths = [o["path"] for o in objects]
    try:
        return reduce_files(paths)
    except UnreadableLogs:
        pass
    good: dict[str, list[str]] = {}
    for obj in objects:
        json_format, problem = readable_format(obj["path"])
        if json_format is None:
            unreadable.append({"Key": obj["Key"], "Error": str(problem)[:300]})
        else:
            good.setdefault(json_format, []).append(obj["path"])
    return combine([reduce_files(paths, json_format=fmt) for fmt, paths in sorted(good.items())])


@dataclass(frozen=True)
class RegionDay:
    """What one region's day yielded: the two snapshot files and their statuses."""

    blobs: list[SourceBlob]
    statuses: list[CollectionStatus]


def _coverage_problems(
    trail: TrailConfig, objects: list[dict[str, Any]], found: _DayObjects, unknown: int, configured: bool
) -> list[str]:
    """What keeps the day from being fully covered. A region the trail delivers but the configuration does not
    name is read for what it holds: a quiet day there (no object, hours without one) is no gap."""
    problems = []
    hours = {delivery_hour(o["Key"]) for o in objects} - {None}
    missing = [h for h in range(24) if h not in hours]
    if not objects:
        return ["no log objects for the day"] if configured else []
    if missing and trail.expect_hourly_delivery and configured:
        problems.append(f"no log objects for hours {_hours(missing)} UTC")
    if found.unreadable:
        problems.append(f"{len(found.unreadable)} unreadable log objects")
    if unknown:
        problems.append(f"{unknown} records of an unknown event version set aside")
    return problems


def _hours(hours: list[int]) -> str:
    return ", ".join(f"{h:02d}" for h in hours)


def collect_region_day(
    s3: Any,
    trail: TrailConfig,
    account_id: str,
    region: str,
    day: date,
    *,
    reduce: Callable[..., Reduction] = _reduce,
    configured: bool = True,
) -> RegionDay:
    """List, read and reduce one region's day of logs; every outcome is a status row, never an exception.

    `configured`: the region is one the configuration names (hourly delivery expected); False for a region found
    in the trail's layout only, which is read so its activity is never dropped, but may be quiet."""
    prefix = day_prefix(trail, account_id, region, day)
    found = _list_day(s3, trail.bucket, prefix)

    def status(
        source: str, api: str, state: str, code: str | None, message: str | None, pages: int
    ) -> CollectionStatus:
        return CollectionStatus(account_id, source, api, region, state, code, message, pages)  # type: ignore[arg-type]

    where = f"s3://{trail.bucket}/{prefix}"
    if found.failure is not None:
        code, message = found.failure
        text = f"{where}: {message}"
        return RegionDay(
            [],
            [
                status(CLOUDTRAIL_OBJECTS, LIST_API, "error", code, text, 0),
                status(CLOUDTRAIL_ACTIVITY, READ_API, "error", code, text, 0),
            ],
        )
    with tempfile.TemporaryDirectory(prefix="cloudtrail-") as scratch:
        objects, read_failure = [], None
        reduction = Reduction(empty_activity(), 0, 0)
        try:
            objects = [_download(s3, trail.bucket, e, Path(scratch), i) for i, e in enumerate(found.listed)]
            reduction = reduce(objects, found.unreadable)
        except (ClientError, BotoCoreError) as error:
            read_failure = _error(error)
        except ReductionFailed as error:
            read_failure = ("ReductionFailed", str(error))
    listing = {
        "Bucket": trail.bucket,
        "Prefix": prefix,
        "Day": day.isoformat(),
        "Objects": [{k: v for k, v in o.items() if k != "path"} for o in objects],
        "UnreadableObjects": found.unreadable,
        "HoursWithoutObjects": [h for h in range(24) if h not in {delivery_hour(o["Key"]) for o in objects}],
        "Records": reduction.records,
        "UnknownVersionRecords": reduction.unknown_version_records,
    }
    blobs = [
        SourceBlob(account_id, CLOUDTRAIL_OBJECTS, _json({"pages": [listing]}), region=region),
        SourceBlob(account_id, CLOUDTRAIL_ACTIVITY, to_parquet(reduction.activity), region=region, extension="parquet"),
    ]
    statuses = [status(CLOUDTRAIL_OBJECTS, LIST_API, "ok", None, None, 1)]
    if read_failure is not None:
        code, message = read_failure
        statuses.append(status(CLOUDTRAIL_ACTIVITY, READ_API, "error", code, f"{where}: {message}", 0))
        return RegionDay(blobs[:1], statuses)
    problems = _coverage_problems(trail, objects, found, reduction.unknown_version_records, configured)
    if not problems:
        statuses.append(status(CLOUDTRAIL_ACTIVITY, READ_API, "ok", None, None, len(objects)))
    else:
        state = "error" if not objects else "partial"
        code = "NoLogObjects" if not objects else "IncompleteCoverage"
        statuses.append(
            status(CLOUDTRAIL_ACTIVITY, READ_API, state, code, f"{where}: {'; '.join(problems)}", len(objects))
        )
    return RegionDay(blobs, statuses)


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def delivered_regions(s3: Any, trail: TrailConfig, account_id: str) -> tuple[list[str], tuple[str, str] | None]:
    """The region folders the trail delivers the account's logs to, or the listing's failure."""
    found: list[str] = []
    prefix = regions_prefix(trail, account_id)
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=trail.bucket, Prefix=prefix, Delimiter="/")
        for page in pages:
            found += [entry["Prefix"][len(prefix) :].strip("/") for entry in page.get("CommonPrefixes", [])]
    except (ClientError, BotoCoreError) as error:
        return [], _error(error)
    return sorted(region for region in found if region), None


def collect_cloudtrail(
    s3: Any, trail: TrailConfig, account_id: str, regions: list[str], partition_date: date
) -> tuple[list[SourceBlob], list[CollectionStatus]]:
    """Every configured region of one account's covered day, read through one S3 client (one bucket; boto3
    clients are thread-safe), and every other region the trail delivers to: activity there is read, never dropped
    because the configuration did not name the region. Regions are read at the same time, as accounts are: each
    waits on S3, not on the CPU. Files and statuses come back in region order (configured, then delivered),
    whatever order the regions finish in. When the trail's regions cannot be listed, a `partial` status says
    activity elsewhere may be unread (the runtime rules then read INCOMPLETE)."""
    blobs: list[SourceBlob] = []
    statuses: list[CollectionStatus] = []
    day = covered_day(partition_date)
    configured = list(trail.regions or regions)
    delivered, failure = delivered_regions(s3, trail, account_id)
    wanted = configured + [region for region in delivered if region not in configured]

    def read(region: str) -> RegionDay:
        return collect_region_day(s3, trail, account_id, region, day, configured=region in configured)

    with ThreadPoolExecutor(max_workers=max(1, len(wanted)), thread_name_prefix="trail-region") as pool:
        outcomes = list(pool.map(read, wanted))
    for outcome in outcomes:
        blobs += outcome.blobs
        statuses += outcome.statuses
    if failure is not None:
        code, message = failure
        where = f"s3://{trail.bucket}/{regions_prefix(trail, account_id)}"
        text = f"{where}: the trail's regions could not be listed ({message}); activity in regions other than "
        text += f"{', '.join(configured)} may be unread"
        statuses.append(CollectionStatus(account_id, CLOUDTRAIL_OBJECTS, LIST_API, None, "partial", code, text, 0))
    return blobs, statuses
