"""Reduce CloudTrail log objects to the activity table with DuckDB, reading the gzip JSON directly.

Why DuckDB and this shape: a busy account writes gigabytes of logs a day, and every runtime rule needs only "who
called what, from where, how, with what error, how often". DuckDB reads `{"Records": [...]}` gzip files with an
explicit column list (so request and response bodies are never even materialised — only `withDecryption` and
`ConsoleLogin` are picked out of them) and groups in one vectorised pass; nothing loops over records in Python.
The same grouping runs on Athena over the trail's Glue table, in Athena's SQL dialect (docs/runtime.md gives the
query), for estates beyond one machine.

One activity row per (principal, event source, event name, network, user-agent class, error code, secret read,
KMS key, target role or secret, endpoint address and owner, event version accepted) with count and first/last
seen. Assumed-role sessions are resolved to their role (`sessionContext.sessionIssuer.arn`, else rebuilt from the
`assumed-role` ARN) and a failed sign-in to the user it names, so facts join to identities (the inventory step
then attributes path-less ARNs to the identity with that name). A console session is recognised by
`sessionCredentialFromConsole` and by the console's user agents (`console.amazonaws.com`, `console.ec2.amazonaws.com`,
`[S3Console/…]`, `*.console.aws.amazon.com`); a call an AWS service made for the caller (`invokedBy`) has that
service as its network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb  # imported with the collector, before the demo's freezegun clock patches datetime
import pandas as pd

from assurance_jobs.parquet import read_parquet
from assurance_jobs.parquet import to_parquet as frame_to_parquet
from assurance_jobs.schema import ACTIVITY_COLUMNS

# The record fields read; everything else in a record (request/response bodies, tlsDetails) is skipped. Of
# `resources` only ARN and type are read, and only a KMS key's ARN is kept (on kms.amazonaws.com events).
RECORD_TYPE = (
    "STRUCT("
    "eventVersion VARCHAR, eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, "
    "userIdentity STRUCT(type VARCHAR, arn VARCHAR, accountId VARCHAR, userName VARCHAR, invokedBy VARCHAR, "
    "sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))), "
    "sourceIPAddress VARCHAR, vpcEndpointId VARCHAR, vpcEndpointAccountId VARCHAR, userAgent VARCHAR, "
    "errorCode VARCHAR, sessionCredentialFromConsole VARCHAR, "
    "requestParameters STRUCT(withDecryption VARCHAR, roleArn VARCHAR, secretId VARCHAR), "
    "responseElements STRUCT(ConsoleLogin VARCHAR), "
    'resources STRUCT("ARN" VARCHAR, type VARCHAR)[]'
    ")"
)
# One log object is one JSON document; DuckDB buffers about twice this per file being read. CloudTrail's objects are
# a few MB; a larger one is reported unreadable (coverage partial), never silently skipped.
MAX_OBJECT_BYTES = 32 << 20

# Everything before the counts is the grouping key.
GROUP_COLUMNS = tuple(ACTIVITY_COLUMNS)[: tuple(ACTIVITY_COLUMNS).index("event_count")]

# `__RECORDS__` is a relation with one column `r` holding a record struct (read_json over local or httpfs paths).
REDUCE_SQL = """
WITH records AS (
    SELECT
        r.eventVersion AS event_version,
        CASE
            WHEN r.userIdentity.type IN ('AssumedRole', 'FederatedUser') THEN coalesce(
                r.userIdentity.sessionContext.sessionIssuer.arn,
                regexp_replace(r.userIdentity.arn,
                    '^arn:(aws[a-z-]*):sts::([0-9]{12}):assumed-role/([^/]+)/.*$', 'arn:\\1:iam::\\2:role/\\3'))
            WHEN r.userIdentity.type = 'AWSService' THEN coalesce(r.userIdentity.invokedBy, 'aws-service')
            -- A failed ConsoleLogin names the user only by userName (AWS hides names that do not exist).
            WHEN r.userIdentity.type = 'IAMUser' AND r.userIdentity.arn IS NULL
                AND r.userIdentity.userName IS NOT NULL AND r.userIdentity.accountId IS NOT NULL
                AND r.userIdentity.userName <> 'HIDDEN_DUE_TO_SECURITY_REASONS'
                THEN 'arn:aws:iam::' || r.userIdentity.accountId || ':user/' || r.userIdentity.userName
            ELSE coalesce(r.userIdentity.arn, r.userIdentity.type, 'unknown')
        END AS principal_arn,
        coalesce(r.userIdentity.type, 'unknown') AS principal_type,
        coalesce(r.eventSource, 'unknown') AS event_source,
        coalesce(r.eventName, 'unknown') AS event_name,
        -- A call an AWS service made on the caller's behalf carries the service as its network, not an address.
        coalesce(r.vpcEndpointId, r.userIdentity.invokedBy, r.sourceIPAddress, 'unknown') AS network,
        CASE
            WHEN lower(coalesce(r.sessionCredentialFromConsole, '')) = 'true' THEN 'console'
            WHEN r.userAgent IS NULL OR r.userAgent = '' THEN 'none'
            WHEN r.eventSource = 'signin.amazonaws.com' OR r.userAgent ILIKE '%console.amazonaws.com%'
                OR r.userAgent ILIKE 'console.%amazonaws.com%' OR r.userAgent ILIKE '%signin.amazonaws.com%'
                OR r.userAgent ILIKE '%console.aws.amazon.com%' OR r.userAgent ILIKE '[%Console/%' THEN 'console'
            WHEN r.userAgent LIKE 'Mozilla/%' THEN 'browser'
            WHEN r.userAgent ILIKE 'aws-cli/%' THEN 'aws-cli'
            WHEN r.userAgent ILIKE 'Boto3/%' OR r.userAgent ILIKE 'botocore/%' OR r.userAgent ILIKE 'aws-sdk-%'
                OR r.userAgent ILIKE 'aws-internal%' THEN 'sdk'
            WHEN r.userAgent ILIKE '%amazonaws.com' OR r.userAgent = 'AWS Internal' THEN 'aws-service'
            WHEN r.userAgent ILIKE '%terraform%' THEN 'terraform'
            ELSE 'other'
        END AS user_agent_class,
        coalesce(r.errorCode,
            CASE WHEN r.responseElements.ConsoleLogin = 'Failure' THEN 'ConsoleLoginFailure' END, '') AS error_code,
        (r.eventSource = 'secretsmanager.amazonaws.com' AND r.eventName = 'GetSecretValue')
            OR (r.eventSource = 'ssm.amazonaws.com'
                AND r.eventName IN ('GetParameter', 'GetParameters', 'GetParametersByPath')
                AND lower(coalesce(r.requestParameters.withDecryption, 'false')) = 'true')
            OR (r.eventSource = 'kms.amazonaws.com' AND r.eventName = 'Decrypt') AS secret_read,
        CASE WHEN r.eventSource = 'kms.amazonaws.com' THEN
            list_filter(r.resources, lambda k: k.type = 'AWS::KMS::Key')[1]."ARN" END AS kms_key_arn,
        CASE
            WHEN r.eventSource = 'sts.amazonaws.com' AND r.eventName LIKE 'AssumeRole%' THEN r.requestParameters.roleArn
            WHEN r.eventSource = 'secretsmanager.amazonaws.com' AND r.eventName = 'GetSecretValue'
                THEN r.requestParameters.secretId
        END AS target,
        CASE WHEN r.vpcEndpointId IS NOT NULL THEN r.sourceIPAddress END AS source_ip,
        CASE WHEN r.vpcEndpointId IS NOT NULL THEN r.vpcEndpointAccountId END AS endpoint_account_id,
        try_cast(r.eventTime AS TIMESTAMPTZ) AS event_time
    FROM __RECORDS__
)
SELECT principal_arn, principal_type, event_source, event_name, network, user_agent_class, error_code,
       coalesce(secret_read, false) AS secret_read, kms_key_arn, target, source_ip, endpoint_account_id,
       (event_version IS NULL OR event_version LIKE '1.%') AS version_known,
       count(*) AS event_count, min(event_time) AS first_seen, max(event_time) AS last_seen
FROM records
GROUP BY ALL
"""


@dataclass(frozen=True)
class Reduction:
    """The activity table of some log files, and how many records were set aside (unknown major version)."""

    activity: pd.DataFrame
    records: int
    unknown_version_records: int


class UnreadableLogs(Exception):
    """DuckDB could not read some of the files (gzip or JSON damage, an object beyond MAX_OBJECT_BYTES)."""


class ReductionFailed(Exception):
    """The reduction itself failed (out of memory, an engine error): nothing is known about the files."""


# CloudTrail writes each object as one line of compact JSON: reading it as newline-delimited skips format detection
# (about 1.6x faster here). A file laid out otherwise (pretty-printed by some copy tool) is read with 'auto'.
FAST_FORMAT = "newline_delimited"
ANY_FORMAT = "auto"


def read_json_relation(paths: Sequence[str], json_format: str = FAST_FORMAT) -> str:
    """The FROM clause that unnests every record of the given local (or httpfs) paths."""
    quoted = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    return (
        f"(SELECT unnest(Records) AS r FROM read_json([{quoted}], columns={{'Records': '{RECORD_TYPE}[]'}}, "
        f"format='{json_format}', records='true', maximum_object_size={MAX_OBJECT_BYTES}))"
    )


def _connect(threads: int, memory_limit: str):
    connection = duckdb.connect(config={"threads": threads, "memory_limit": memory_limit})
    return connection, (duckdb.IOException, duckdb.InvalidInputException), duckdb.Error


def reduce_files(
    paths: Sequence[str | Path], *, threads: int = 2, memory_limit: str = "1GB", json_format: str = FAST_FORMAT
) -> Reduction:
    """Reduce log files to the activity table; raise UnreadableLogs if any file cannot be read."""
    if not paths:
        return Reduction(empty_activity(), 0, 0)
    connection, file_errors, engine_error = _connect(threads, memory_limit)
    try:
        sql = reduce_sql(read_json_relation([str(p) for p in paths], json_format))
        frame = connection.sql(sql).df()
    except file_errors as error:
        raise UnreadableLogs(str(error).splitlines()[0]) from None
    except engine_error as error:
        raise ReductionFailed(str(error).splitlines()[0]) from None
    finally:
        connection.close()
    known = frame["version_known"].astype(bool)
    unknown = int(frame.loc[~known, "event_count"].sum())
    activity = _typed(frame.loc[known].drop(columns="version_known"))
    return Reduction(activity, int(frame["event_count"].sum()), unknown)


def combine(parts: Sequence[Reduction]) -> Reduction:
    """Reductions of disjoint sets of files as one."""
    return Reduction(
        merge_activity([part.activity for part in parts]),
        sum(part.records for part in parts),
        sum(part.unknown_version_records for part in parts),
    )


def readable_format(path: str | Path) -> tuple[str | None, str | None]:
    """(the JSON format DuckDB reads the file with, None) or (None, the first line of its error)."""
    problem = ""
    for json_format in (FAST_FORMAT, ANY_FORMAT):
        try:
            reduce_files([path], threads=1, memory_limit="256MB", json_format=json_format)
        except UnreadableLogs as error:
            problem = str(error)
            continue
        return json_format, None
    return None, problem


def empty_activity() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in ACTIVITY_COLUMNS.items()})


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {name: _text(frame[name]) if dtype == "object" else frame[name] for name, dtype in ACTIVITY_COLUMNS.items()}
    )
    for name in ("first_seen", "last_seen"):
        out[name] = pd.to_datetime(out[name], utc=True).astype("datetime64[us, UTC]")
    out["event_count"] = out["event_count"].astype("int64")
    out["secret_read"] = out["secret_read"].astype(bool)
    return out.sort_values(list(GROUP_COLUMNS), kind="mergesort", ignore_index=True)


def _text(values: pd.Series) -> pd.Series:
    """Text as Python objects with None for NULL (a grouping turns None keys into NaN)."""
    values = values.astype(object)
    return values.where(values.notna(), None)


def merge_activity(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Several reductions (files reduced in batches) as one: counts summed, first/last seen widened."""
    frames = [part for part in parts if len(part)]
    if not frames:
        return empty_activity()
    combined = pd.concat(frames, ignore_index=True)
    grouped = combined.groupby(list(GROUP_COLUMNS), dropna=False, sort=True)
    merged = grouped.agg(
        event_count=("event_count", "sum"), first_seen=("first_seen", "min"), last_seen=("last_seen", "max")
    )
    return _typed(merged.reset_index())


def to_parquet(activity: pd.DataFrame) -> bytes:
    """Deterministic bytes for the snapshot (same activity, same sha256)."""
    return frame_to_parquet(activity)


def from_parquet(raw: bytes) -> pd.DataFrame:
    """A stored activity table; one written before a column existed (`kms_key_arn`, `target`, …) gains it as NULL."""
    frame = read_parquet(raw)
    for name, dtype in ACTIVITY_COLUMNS.items():
        if dtype == "object":
            frame[name] = frame[name].astype(object) if name in frame.columns else None
    return frame


def reduce_sql(records_relation: str) -> str:
    """The reduction over a relation with one record struct column `r` (DuckDB SQL; Athena's is in docs/runtime.md)."""
    return REDUCE_SQL.replace("__RECORDS__", records_relation)
