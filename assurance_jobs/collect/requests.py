"""Count the HTTP requests a collection makes, per API, through botocore's event system.

Why: "one request per 1,000 principals" is the collector's selling point, and the benchmark and the tests must
be able to show it (and prove that `secretsmanager:GetSecretValue` is never sent) without patching boto3.
The hook is `before-send`, which botocore emits once per HTTP attempt, so retries are counted too.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import boto3

# Event service ids are hyphenated ("secrets-manager"); IAM action prefixes are not ("secretsmanager").
_ACTION_PREFIX = {"secrets-manager": "secretsmanager"}


def api_name(event_name: str) -> str:
    """'before-send.secrets-manager.ListSecrets' -> 'secretsmanager:ListSecrets'."""
    _, service_id, operation = event_name.split(".", 2)
    return f"{_ACTION_PREFIX.get(service_id, service_id)}:{operation}"


class RequestCounter:
    """Counts HTTP requests (including retried attempts) per API for every client made from a session.

    Attach it before the clients are created: botocore copies the session's handlers into each new client.
    """

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.log: list[str] = []
        self._lock = threading.Lock()

    def attach(self, session: boto3.Session) -> RequestCounter:
        session.events.register("before-send", self._on_send, unique_id=f"request-counter-{id(self)}")
        return self

    def _on_send(self, event_name: str, **_: Any) -> None:
        name = api_name(event_name)
        with self._lock:
            self.counts[name] += 1
            self.log.append(name)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def called(self, api: str) -> bool:
        return self.counts.get(api, 0) > 0
