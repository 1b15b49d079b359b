"""A loopback proxy in front of a moto server that behaves like AWS seen from far away: every request waits
`delay` seconds before it is forwarded (a round trip), the proxy remembers the most requests it held at once, and it
can throttle one API for chosen accounts the way AWS does (HTTP 400, `Throttling`), on every attempt.

Which account a request acts in is learnt the way AWS knows it: from the access key in its signature. The proxy
reads the AssumeRole responses it forwards and notes which account each issued key belongs to (the role ARN's
account), so a throttled account is throttled whichever thread, client or session calls it.

Used by the tests that run the real command line against an emulated organization and by benchmarks/bench_org.py.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ROLE_ACCOUNT = re.compile(r"arn(?:%3A|:)aws(?:%3A|:)iam(?:%3A|:)(?:%3A|:)(\d{12})(?:%3A|:)role")
_ISSUED_KEY = re.compile(rb"<AccessKeyId>([A-Z0-9]+)</AccessKeyId>")
_SIGNED_KEY = re.compile(r"Credential=([A-Z0-9]+)/")
COUNTS_PATH = "/__latency_proxy/counts"
THROTTLED_BODY = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    b"<RequestId>latency-proxy</RequestId></ErrorResponse>"
)


class LatencyProxy(ThreadingHTTPServer):
    """Forwards to `upstream` after `delay` seconds. `throttle` maps an operation (e.g.
    "GetAccountAuthorizationDetails") to the accounts whose calls of it are answered `Throttling`."""

    daemon_threads = True

    def __init__(self, upstream: int, delay: float, throttle: dict[str, set[str]] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream, self.delay = upstream, delay
        self.throttle = throttle or {}
        self.key_accounts: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def enter(self, operation: str) -> None:
        with self.lock:
            self.counts[operation] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def reset_counts(self) -> tuple[dict[str, int], int]:
        """The requests by operation and the most held at once since the last reset (the benchmark measures one
        run at a time)."""
        with self.lock:
            counts, most = dict(self.counts), self.max_in_flight
            self.counts, self.max_in_flight = Counter(), self.in_flight
            return counts, most


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LatencyProxy

    def log_message(self, *_: Any) -> None:  # no access log
        return

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == COUNTS_PATH:  # the benchmark, asking from another process
            requests, most = self.server.reset_counts()
            counts = {"requests": requests, "max_in_flight": most, "throttled": dict(self.server.throttled)}
            return self._answer(200, json.dumps(counts).encode(), [("Content-Type", "application/json")])
        operation = operation_of(self.headers, body)
        self.server.enter(operation)
        try:
            time.sleep(self.server.delay)
            if self._throttled(operation):
                return self._answer(400, THROTTLED_BODY, [("Content-Type", "text/xml")])
            status, headers, payload = self._upstream(body)
            if operation == "AssumeRole":
                self._learn_key(body, payload)
            self._answer(status, payload, headers)
        finally:
            self.server.leave()

    def _throttled(self, operation: str) -> bool:
        accounts = self.server.throttle.get(operation)
        if not accounts:
            return False
        signed = _SIGNED_KEY.search(self.headers.get("Authorization") or "")
        account = self.server.key_accounts.get(signed.group(1)) if signed else None
        if account in accounts:
            with self.server.lock:
                self.server.throttled[account] += 1
            return True
        return False

    def _learn_key(self, request: bytes, response: bytes) -> None:
        role = _ROLE_ACCOUNT.search(request.decode("utf-8", "replace"))
        issued = _ISSUED_KEY.search(response)
        if role and issued:
            with self.server.lock:
                self.server.key_accounts[issued.group(1).decode()] = role.group(1)

    def _upstream(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.upstream, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            kept = [
                (key, value)
                for key, value in response.getheaders()
                if key.lower() not in ("transfer-encoding", "connection", "content-length")
            ]
            return response.status, kept, payload
        finally:
            connection.close()

    def _answer(self, status: int, payload: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward


def operation_of(headers: Any, body: bytes) -> str:
    """The API operation of a request: JSON protocols name it in X-Amz-Target, query protocols in `Action`."""
    target = headers.get("X-Amz-Target")
    if target:  # "AWSOrganizationsV20161128.ListAccounts", "secretsmanager.ListSecrets"
        return str(target).split(".")[-1]
    action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
    return action[0] if action else "other"


@contextmanager
def latency_proxy(
    upstream_endpoint: str, delay: float, throttle: dict[str, set[str]] | None = None
) -> Iterator[LatencyProxy]:
    """A running proxy in front of `upstream_endpoint` (http://127.0.0.1:<port>) until the block ends."""
    proxy = LatencyProxy(urllib.parse.urlparse(upstream_endpoint).port or 80, delay, throttle)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True, name="latency-proxy")
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(timeout=10)
