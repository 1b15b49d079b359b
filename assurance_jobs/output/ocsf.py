"""OCSF Detection Finding export: one event per finding, built with the `py-ocsf-models` pydantic models.

Security teams feed findings into a SIEM or a data lake (AWS Security Lake, Splunk, …) that speaks OCSF. Building
each event through the library's `DetectionFinding` model, rather than writing dicts by hand, means a field we
misname or mistype fails here, not in someone else's ingestion pipeline.

Choices that matter to a consumer:
* `finding_info.uid` is the finding's id for its whole life (rule, account, resource and, for a multi-valued rule,
  the element: `evaluate/findings.finding_id`), the same every day, so a SIEM updates one finding; `metadata.uid`
  names the day's event (finding id, partition date, activity), so re-exports of a day deduplicate.
* The lifecycle (evaluate/lifecycle.py) sets the activity: a finding first seen today is `Create`, one seen
  before (or seen again after it was resolved) `Update`, one resolved today `Close`. `first_seen_time` is the
  snapshot time of the day it was first seen, `last_seen_time` the day's (or, when closed, the last day it was).
* Status: new or re-opened `New`, still open `InProgress`, under a waiver in force `Suppressed`, resolved
  `Resolved`; a finding whose waiver expired is open again and says so in `status_detail`.
* Every time field comes from stored snapshot times, never the clock: the same evidence gives byte-identical files.
* Framework controls have no home in the Detection Finding class, so they travel in `unmapped.controls`.
* Only the columns named in this module are exported; anything else a findings table happens to carry is not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from py_ocsf_models import OCSF_VERSION
from py_ocsf_models.events.findings.activity_id import ActivityID
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from py_ocsf_models.events.findings.detection_finding_type_id import DetectionFindingTypeID
from py_ocsf_models.events.findings.severity_id import SeverityID
from py_ocsf_models.events.findings.status_id import StatusID
from py_ocsf_models.objects.account import Account, TypeID
from py_ocsf_models.objects.analytic import Analytic
from py_ocsf_models.objects.cloud import Cloud
from py_ocsf_models.objects.evidence_artifacts import EvidenceArtifacts
from py_ocsf_models.objects.finding_info import FindingInformation
from py_ocsf_models.objects.metadata import Metadata
from py_ocsf_models.objects.product import Product
from py_ocsf_models.objects.remediation import Remediation
from py_ocsf_models.objects.resource_details import ResourceDetails

PRODUCT_NAME = "assurance-jobs"
ANALYTIC_TYPE_RULE = 1  # OCSF analytic.type_id 1 = "Rule"

SEVERITY_IDS: Mapping[str, SeverityID] = {
    "critical": SeverityID.Critical,
    "high": SeverityID.High,
    "medium": SeverityID.Medium,
    "low": SeverityID.Low,
}

RESOURCE_TYPES: Mapping[str, str] = {
    "user": "AWS::IAM::User",
    "role": "AWS::IAM::Role",
    "access_key": "AWS::IAM::AccessKey",
    "console_password": "AWS::IAM::LoginProfile",
    "secret": "AWS::SecretsManager::Secret",
    "server_certificate": "AWS::IAM::ServerCertificate",
}
"""CloudFormation-style type names: the vocabulary AWS Security Hub and Security Lake consumers already know."""


def _text(value: Any) -> str | None:
    """A cell as text, or None for any of pandas' missing markers (None, NaN, NA)."""
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return None
    if isinstance(value, datetime):  # a partition date that arrived as a midnight Timestamp prints as the day
        midnight = (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)
        return value.date().isoformat() if midnight and value.tzinfo is None else value.isoformat()
    text = str(value)
    return text if text else None


def event_uid(finding_id: str, partition_date: str, activity: str) -> str:
    """The id of one day's event about one finding: the same inputs give the same id in every export."""
    return hashlib.sha256(f"{finding_id}|{partition_date}|{activity}".encode()).hexdigest()


def _epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("as_of must be timezone-aware (the snapshot's taken_at, UTC)")
    return int(moment.astimezone(UTC).timestamp() * 1000)


def _moment(value: Any, fallback: datetime) -> datetime:
    """A stored ISO time (a `*_seen_at` column), else `fallback`."""
    text = _text(value)
    if text is None:
        return fallback
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


ACTIVITIES: Mapping[str, ActivityID] = {
    "new": ActivityID.Create,
    "open": ActivityID.Update,
    "reopened": ActivityID.Update,
    "resolved": ActivityID.Close,
}
TYPES: Mapping[ActivityID, DetectionFindingTypeID] = {
    ActivityID.Create: DetectionFindingTypeID.Create,
    ActivityID.Update: DetectionFindingTypeID.Update,
    ActivityID.Close: DetectionFindingTypeID.Close,
}


def _rules_by_id(rule_meta: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(meta["rule_id"]): meta for meta in rule_meta}


def _status(row: Mapping[str, Any]) -> tuple[StatusID, str | None]:
    """Resolved when closed; Suppressed only while a waiver is in force; else New (first seen today, or seen
    again after it was resolved) or InProgress (still open). An expired waiver re-opens the finding, and says so."""
    seen = _text(row.get("seen_status")) or "new"
    if seen == "resolved":
        return StatusID.Resolved, f"Not seen on {_text(row.get('resolved_on'))}: resolved"
    waiver = _text(row.get("waiver_status"))
    if waiver == "waived":
        detail = f"Waived until {_text(row.get('waiver_expires'))}: {_text(row.get('waiver_justification'))}"
        return StatusID.Suppressed, detail
    status = StatusID.InProgress if seen == "open" else StatusID.New
    if waiver == "waiver_expired":
        return status, f"Waiver expired on {_text(row.get('waiver_expires'))}; the finding is open again"
    if seen == "reopened":
        return status, "Seen again after it was resolved: re-opened"
    return status, None


def _waiver(row: Mapping[str, Any]) -> dict[str, str | None] | None:
    status = _text(row.get("waiver_status"))
    if status in (None, "open"):
        return None
    return {
        "status": status,
        "justification": _text(row.get("waiver_justification")),
        "approver": _text(row.get("waiver_approver")),
        "expires": _text(row.get("waiver_expires")),
    }


def _lifecycle(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The finding's life as the report states it: status, dates, age and SLA (None for exports without one)."""
    status = _text(row.get("lifecycle_status"))
    if status is None:
        return None
    values = {
        "status": status,
        "first_seen": _text(row.get("first_seen")),
        "last_seen": _text(row.get("last_seen")),
        "resolved_on": _text(row.get("resolved_on")),
        "age_days": _number(row.get("age_days")),
        "sla_days": _number(row.get("sla_days")),
        "due_date": _text(row.get("due_date")),
        "overdue": bool(row.get("overdue")) if _text(row.get("overdue")) is not None else None,
    }
    return {key: value for key, value in values.items() if value is not None}


def _number(value: Any) -> int | None:
    return None if _text(value) is None else int(value)


def _resource(row: Mapping[str, Any]) -> ResourceDetails:
    arn = str(row["resource_arn"])
    kind = _text(row.get("resource_kind"))
    data = {"account_id": _text(row.get("account_id")), "identity_arn": _text(row.get("identity_arn"))}
    data |= {"resource_kind": kind, "owner": _text(row.get("owner"))}
    return ResourceDetails(
        uid=arn,
        name=arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
        type=RESOURCE_TYPES.get(kind or "", kind),
        region=_text(row.get("region")),
        cloud_partition=arn.split(":")[1] if arn.startswith("arn:") else None,
        data={key: value for key, value in data.items() if value is not None},
    )


def _unmapped(row: Mapping[str, Any], meta: Mapping[str, Any], snapshot_id: str) -> dict[str, Any]:
    unmapped: dict[str, Any] = {
        "rule_id": str(row["rule_id"]),
        "family": _text(row.get("family")) or _text(meta.get("family")),
        "observed": _text(row.get("observed")),
        "threshold": _text(row.get("threshold")),
        "classification_reason": _text(row.get("classification_reason")),
        "snapshot_id": snapshot_id,
        "partition_date": _text(row.get("partition_date")),
        "lifecycle": _lifecycle(row),
        "controls": {fw: sorted(str(c) for c in ids) for fw, ids in sorted(dict(meta.get("controls") or {}).items())},
        "waiver": _waiver(row),
    }
    return {key: value for key, value in unmapped.items() if value is not None}


def _event(
    row: Mapping[str, Any],
    meta: Mapping[str, Any],
    snapshot_id: str,
    as_of: datetime,
    tool_version: str,
    partition_date: str,
):
    rule_id = str(row["rule_id"])
    finding = _text(row.get("finding_id")) or hashlib.sha256(f"{rule_id}|{row['resource_arn']}".encode()).hexdigest()
    activity = ACTIVITIES.get(_text(row.get("seen_status")) or "new", ActivityID.Create)
    title = _text(row.get("title")) or _text(meta.get("title")) or rule_id
    severity = (_text(row.get("severity")) or _text(meta.get("severity")) or "").lower()
    severity_id = SEVERITY_IDS.get(severity, SeverityID.Unknown)
    status_id, status_detail = _status(row)
    millis = _epoch_ms(as_of)
    first_seen = _epoch_ms(_moment(row.get("first_seen_at"), as_of))
    last_seen = _epoch_ms(_moment(row.get("last_seen_at"), as_of)) if activity == ActivityID.Close else millis
    family = _text(row.get("family")) or _text(meta.get("family")) or "unknown"
    source_file = _text(row.get("source_file"))
    observed = _text(row.get("observed"))
    message = f"{title}: observed {observed} (threshold {_text(row.get('threshold'))})"
    if activity == ActivityID.Close:
        message = f"{title}: resolved (last observed {observed})"
    return DetectionFinding(
        metadata=Metadata(
            uid=event_uid(finding, partition_date, activity.name),
            event_code=rule_id,
            version=OCSF_VERSION,
            profiles=["cloud"],
            product=Product(name=PRODUCT_NAME, vendor_name=PRODUCT_NAME, version=tool_version),
        ),
        activity_id=activity,
        activity_name=activity.name,
        type_uid=TYPES[activity],
        type_name=f"Detection Finding: {activity.name}",
        severity_id=severity_id,
        severity=severity_id.name,
        status_id=status_id,
        status=status_id.name,
        status_detail=status_detail,
        time=millis,
        time_dt=as_of,
        message=message,
        finding_info=FindingInformation(
            uid=finding,
            title=title,
            desc=_text(meta.get("rationale")) or title,
            types=[f"Non-human identity/{family}"],
            analytic=Analytic(uid=rule_id, name=title, type="Rule", type_id=ANALYTIC_TYPE_RULE),
            created_time=first_seen,
            first_seen_time=first_seen,
            last_seen_time=last_seen,
            modified_time=millis,
            data_sources=[source_file] if source_file else None,
        ),
        resources=[_resource(row)],
        cloud=Cloud(
            provider="AWS",
            region=_text(row.get("region")),
            account=Account(name=str(row["account_id"]), uid=str(row["account_id"]), type_id=TypeID.AWS_Account),
        ),
        remediation=Remediation(desc=_text(meta.get("remediation")) or "See the rule documentation."),
        evidences=[_evidence(row, snapshot_id)] if source_file else None,
        unmapped=_unmapped(row, meta, snapshot_id),
    )


def _evidence(row: Mapping[str, Any], snapshot_id: str) -> EvidenceArtifacts:
    """The snapshot file the finding was computed from, with the digest an auditor can recompute."""
    data = {"snapshot_id": snapshot_id, "source_sha256": _text(row.get("source_sha256"))}
    return EvidenceArtifacts(name=_text(row.get("source_file")), data={k: v for k, v in data.items() if v})


def ocsf_findings(
    findings: pd.DataFrame,
    rule_meta: Iterable[Mapping[str, Any]],
    *,
    snapshot_id: str,
    as_of: datetime,
    tool_version: str,
    resolved: pd.DataFrame | None = None,
    partition_date: str | None = None,
) -> list[dict[str, Any]]:
    """One OCSF 1.5 Detection Finding (class_uid 2004) per findings row, then one `Close` per finding `resolved`
    on the day, as JSON-ready dicts.

    Rows are exported in (rule_id, account_id, resource_arn) order whatever order they arrive in, so the output
    does not depend on how the caller built the table.
    """
    frames = [frame for frame in (findings, resolved) if frame is not None and not frame.empty]
    if not frames:
        return []
    rules = _rules_by_id(rule_meta)
    day = partition_date or (_text(findings["partition_date"].iat[0]) if len(findings) else None)
    events = []
    for frame in frames:
        ordered = frame.sort_values(["rule_id", "account_id", "resource_arn"], kind="stable")
        for row in ordered.to_dict(orient="records"):
            meta = rules.get(str(row["rule_id"]), {})
            event = _event(row, meta, snapshot_id, as_of, tool_version, str(day or _text(row.get("partition_date"))))
            events.append(event.model_dump(mode="json", exclude_none=True))
    return events


def dumps_ocsf(events: list[dict[str, Any]]) -> str:
    """Deterministic JSON text: a JSON array with one compact, key-sorted event per line.

    One event per line keeps 100k findings greppable and diffable, and lets the C JSON encoder do the work
    (indented output falls back to the pure-Python encoder, several times slower at that size).
    """
    lines = (json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for event in events)
    body = ",\n".join(lines)
    return f"[\n{body}\n]\n" if body else "[]\n"


def write_ocsf(
    path: str | Path,
    findings: pd.DataFrame,
    rule_meta: Iterable[Mapping[str, Any]],
    *,
    snapshot_id: str,
    as_of: datetime,
    tool_version: str,
    resolved: pd.DataFrame | None = None,
    partition_date: str | None = None,
) -> Path:
    """Write the findings as a JSON array of OCSF Detection Findings; the same inputs give the same bytes."""
    events = ocsf_findings(
        findings,
        rule_meta,
        snapshot_id=snapshot_id,
        as_of=as_of,
        tool_version=tool_version,
        resolved=resolved,
        partition_date=partition_date,
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dumps_ocsf(events), encoding="utf-8")
    return target
