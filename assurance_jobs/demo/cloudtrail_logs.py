"""CloudTrail records and log objects in the real format, for the demo, the tests and the benchmark.

moto emulates trails but delivers no logs, so the demo writes what CloudTrail would: gzip JSON `{"Records": [...]}`
objects under the real key layout (collect/cloudtrail.py `log_object_key`), one per region and delivery slot.
Records carry the fields real ones do (modelled on AWS's documented examples and stratus-red-team's captures),
including request parameters the collector must *not* keep — a `secretId`, never a secret value.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from assurance_jobs.collect.cloudtrail import log_object_key
from assurance_jobs.config import TrailConfig

EVENT_VERSION = "1.09"


def _event_id(*parts: object) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def user_identity(principal_arn: str, access_key_id: str = "AKIAEXAMPLEEXAMPLE01") -> dict[str, Any]:
    """`userIdentity` for an IAM user ARN, a role ARN (as an assumed-role session) or `service:<host>`."""
    account = principal_arn.split(":")[4] if principal_arn.startswith("arn:") else None
    if principal_arn.startswith("service:"):
        return {"type": "AWSService", "invokedBy": principal_arn.removeprefix("service:")}
    if ":role/" in principal_arn:
        name = principal_arn.rsplit("/", 1)[-1]
        session = f"arn:aws:sts::{account}:assumed-role/{name}/session-{name[:12]}"
        return {
            "type": "AssumedRole",
            "principalId": f"AROA{hashlib.sha256(name.encode()).hexdigest()[:16].upper()}:session",
            "arn": session,
            "accountId": account,
            "accessKeyId": "ASIAEXAMPLEEXAMPLE01",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLE",
                    "arn": principal_arn,
                    "accountId": account,
                    "userName": name,
                },
                "attributes": {"creationDate": "2026-01-01T00:00:00Z", "mfaAuthenticated": "false"},
            },
        }
    return {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLE",
        "arn": principal_arn,
        "accountId": account,
        "accessKeyId": access_key_id,
        "userName": principal_arn.rsplit("/", 1)[-1],
    }


def record(
    principal_arn: str,
    event_source: str,
    event_name: str,
    at: datetime,
    *,
    region: str = "us-east-1",
    source_ip: str = "10.20.30.40",
    user_agent: str = "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux",
    vpc_endpoint_id: str | None = None,
    error_code: str | None = None,
    request_parameters: dict[str, Any] | None = None,
    response_elements: dict[str, Any] | None = None,
    recipient_account: str | None = None,
    resources: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One management-event record, shaped like CloudTrail's (`resources`: e.g. the KMS key a Decrypt used)."""
    account = recipient_account or (principal_arn.split(":")[4] if principal_arn.startswith("arn:") else "")
    body: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(principal_arn),
        "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
        "requestParameters": request_parameters,
        "responseElements": response_elements,
        "requestID": _event_id("req", principal_arn, event_name, at),
        "eventID": _event_id("evt", principal_arn, event_name, at, source_ip),
        "readOnly": event_name.startswith(("Get", "List", "Describe")),
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{event_source.split('.')[0]}.{region}.amazonaws.com",
        },
    }
    if resources is not None:
        body["resources"] = resources
    if vpc_endpoint_id:
        body["vpcEndpointId"] = vpc_endpoint_id
        body["vpcEndpointAccountId"] = account
    if error_code:
        body["errorCode"] = error_code
        body["errorMessage"] = f"User: {principal_arn} is not authorized to perform: {event_name}"
    return body


def kms_key_resource(key_arn: str) -> list[dict[str, Any]]:
    """`resources` of a KMS event: the key, as CloudTrail names it."""
    return [{"accountId": key_arn.split(":")[4], "type": "AWS::KMS::Key", "ARN": key_arn}]


def console_login(user_arn: str, at: datetime, source_ip: str, *, success: bool = True) -> dict[str, Any]:
    """A `ConsoleLogin` event as signin.amazonaws.com logs it (in us-east-1 for IAM users by default)."""
    body = record(
        user_arn,
        "signin.amazonaws.com",
        "ConsoleLogin",
        at,
        source_ip=source_ip,
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0",
        response_elements={"ConsoleLogin": "Success" if success else "Failure"},
    )
    body["eventType"] = "AwsConsoleSignIn"
    body["additionalEventData"] = {"MobileVersion": "No", "LoginTo": "https://console.aws.amazon.com/", "MFAUsed": "No"}
    return body


def log_object(records: Iterable[dict[str, Any]]) -> bytes:
    """A log object's bytes: gzip of `{"Records": [...]}` (mtime 0, so the same records give the same bytes)."""
    text = json.dumps({"Records": list(records)}, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), mtime=0)


def put_log_object(
    s3: Any, trail: TrailConfig, account_id: str, region: str, delivered: datetime, records: list[dict[str, Any]]
) -> str:
    """Write one log object where CloudTrail would; returns its key."""
    unique = hashlib.sha256(f"{account_id}{region}{delivered.isoformat()}".encode()).hexdigest()[:16]
    key = log_object_key(trail, account_id, region, delivered, unique)
    s3.put_object(Bucket=trail.bucket, Key=key, Body=log_object(records))
    return key
