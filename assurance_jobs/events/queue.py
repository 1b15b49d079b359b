"""Reading the change-events SQS queue: drain up to a limit, delete what was read, keep every failure visible.

Kept out of the Dagster sensor so the draining is tested against moto without a daemon; the sensor only decides
when to call it and what to run afterwards.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from assurance_jobs.events.parse import ChangeEvent, read_message

SQS_BATCH = 10  # the most SQS returns or deletes per call


@dataclass
class QueueBatch:
    """What one tick read from the queue: the usable events and a count of everything else, by reason."""

    events: list[ChangeEvent] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    received: int = 0
    deleted: int = 0
    errors: list[str] = field(default_factory=list)


def sqs_client(region: str):
    """A client from the daemon's default credential chain (the queue lives in the tooling account)."""
    return boto3.client("sqs", region_name=region)


def drain_queue(client, queue_url: str, limit: int) -> QueueBatch:
    """Read up to `limit` messages and delete every one read, usable or not; AWS errors end the read, not the tick."""
    batch = QueueBatch()
    while batch.received < limit:
        try:
            response = client.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=min(SQS_BATCH, limit - batch.received), WaitTimeSeconds=0
            )
        except (ClientError, BotoCoreError) as error:
            batch.errors.append(f"receive_message failed: {_error_code(error)}")
            break
        messages = response.get("Messages", [])
        if not messages:
            break
        batch.received += len(messages)
        for message in messages:
            parsed = read_message(message.get("Body"))
            if parsed.event is not None:
                batch.events.append(parsed.event)
            else:
                batch.rejected[parsed.reason or "unknown"] += 1
        _delete(client, queue_url, messages, batch)
    return batch


def _delete(client, queue_url: str, messages: list[dict], batch: QueueBatch) -> None:
    """Delete what was read; a failed delete only means the message comes back and joins a burst again."""
    entries = [{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(messages)]
    try:
        response = client.delete_message_batch(QueueUrl=queue_url, Entries=entries)
    except (ClientError, BotoCoreError) as error:
        batch.errors.append(f"delete_message_batch failed: {_error_code(error)}")
        return
    batch.deleted += len(response.get("Successful", []))
    for failure in response.get("Failed", []):
        batch.errors.append(f"could not delete a message: {failure.get('Code')}")


def _error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__
