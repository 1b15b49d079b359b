"""Change-event message bodies as EventBridge, SNS and S3 would put them on the queue."""

from __future__ import annotations

import json
from typing import Any

ACCOUNT_A = "111122223333"
ACCOUNT_B = "444455556666"


def cloudtrail_detail(
    event_name: str = "AttachRolePolicy", account_id: str = ACCOUNT_A, source: str = "iam.amazonaws.com", **extra: Any
) -> dict[str, Any]:
    """The CloudTrail record EventBridge puts in `detail` (only the fields the parser reads, plus noise)."""
    return {
        "eventVersion": "1.09",
        "eventTime": "2026-03-14T10:00:00Z",
        "eventSource": source,
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "requestParameters": {"roleName": "app-lambda"},
        "eventID": "3d6c7f0e-0000-4000-8000-000000000001",
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account_id,
        **extra,
    }


def eventbridge_body(
    event_name: str = "AttachRolePolicy",
    account_id: str = ACCOUNT_A,
    source: str = "aws.iam",
    detail_source: str = "iam.amazonaws.com",
    **extra: Any,
) -> str:
    envelope = {
        "version": "0",
        "id": "6f1b7e3a-0000-4000-8000-000000000002",
        "detail-type": "AWS API Call via CloudTrail",
        "source": source,
        "account": account_id,
        "time": "2026-03-14T10:00:01Z",
        "region": "us-east-1",
        "resources": [],
        "detail": cloudtrail_detail(event_name, account_id, detail_source, **extra),
    }
    return json.dumps(envelope)


def sns_wrapped(message: str) -> str:
    """SNS delivery to SQS without raw message delivery: the event is a JSON string in `Message`."""
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "a1b2c3d4-0000-4000-8000-000000000003",
            "TopicArn": "arn:aws:sns:us-east-1:999988887777:iam-changes",
            "Message": message,
            "Timestamp": "2026-03-14T10:00:02.000Z",
        }
    )


S3_NOTIFICATION = json.dumps(
    {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "logs"}, "object": {"key": "a.json"}},
            }
        ]
    }
)
