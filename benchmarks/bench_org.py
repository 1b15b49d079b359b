"""Benchmark: collecting a whole AWS Organization, sequentially against in parallel, with real round-trip latency.

An emulated organization (moto: Organizations + cross-account AssumeRole) of N member accounts, each seeded with
about `--identities` IAM identities (60 % users with an access key, 40 % roles) and a few secrets, is served by a
ThreadedMotoServer in a child process, behind a loopback proxy that adds a fixed delay to every API call (100 ms
by default) to stand in for AWS round trips. Each mode (max_parallel_accounts = 1, then `--parallel`) runs
`collect_snapshot` in its own fresh process against its own freshly seeded estate, so its peak RSS and
its request count are its own.

Printed per mode: wall seconds, API requests per account (counted at the proxy, by operation), peak RSS of the
collecting process, snapshot bytes, the speed-up, and where the CPU went: CPU seconds of the collecting process
(our code and boto3), of the moto server process (the emulator, which real AWS does not charge to this machine)
and of the proxy process, in total and per account, measured over the collection only (seeding excluded).
Caveats, printed too: moto answers the first GenerateCredentialReport with STARTED, so every account also waits
one credential-report poll (0.5 s); moto never truncates GetAccountAuthorizationDetails (real IAM pages at 1,000
principals, so at ~100 identities the request count is the same).

Run: python benchmarks/bench_org.py [--accounts 50,200] [--identities 100] [--latency-ms 100] [--parallel 16]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import multiprocessing as mp
import os
import resource
import socket
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REGION = "us-east-1"
MEMBER_ROLE = "AssuranceReadOnly"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------------------------------- latency proxy


class LatencyProxy(ThreadingHTTPServer):
    """Forwards every request to moto after `delay` seconds; counts requests by operation."""

    daemon_threads = True

    def __init__(self, port: int, upstream: int, delay: float) -> None:
        super().__init__(("127.0.0.1", port), _ProxyHandler)
        self.upstream, self.delay = upstream, delay
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LatencyProxy

    def log_message(self, *_: Any) -> None:  # no access log
        return

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/__counts"):
            return self._counts()
        with self.server.lock:
            self.server.counts[_operation(self.headers, body)] += 1
        time.sleep(self.server.delay)
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        payload = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()

    def _counts(self) -> None:
        with self.server.lock:
            payload = json.dumps(self.server.counts).encode()
            if self.command == "POST":
                self.server.counts.clear()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _forward


def _operation(headers: Any, body: bytes) -> str:
    target = headers.get("X-Amz-Target")
    if target:  # JSON protocols: "AWSOrganizationsV20161128.ListAccounts", "secretsmanager.ListSecrets"
        return target.split(".")[-1]
    action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
    return action[0] if action else "other"


# ---------------------------------------------------------------------------------------- emulated estate


def serve(accounts: int, identities: int, latency: float, ready: Any, stop: Any) -> None:
    """Child process: moto server + seeded organization, until told to stop; the latency proxy runs in a process
    of its own, so that the CPU seconds of this one are the emulator's alone."""
    import boto3
    from moto.iam.models import iam_backends
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.server import ThreadedMotoServer

    from assurance_jobs.demo.fidelity import moto_ssm_inventory

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_port, proxy_port = free_port(), free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    server.start()
    patched = contextlib.ExitStack()  # moto lacks ssm:DescribeInstanceInformation: answered while this serves
    patched.enter_context(moto_ssm_inventory())
    os.environ.update(FAKE_CREDENTIALS, AWS_ENDPOINT_URL=f"http://127.0.0.1:{moto_port}")
    org = boto3.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    for index in range(accounts):
        created = org.create_account(AccountName=f"member-{index:04d}", Email=f"m{index}@example.com")
        account_id = created["CreateAccountStatus"]["AccountId"]
        _seed(iam_backends[account_id]["aws"], secretsmanager_backends[account_id][REGION], identities)
    proxy = mp.get_context("spawn").Process(target=run_proxy, args=(proxy_port, moto_port, latency, stop, ready))
    proxy.start()
    stop.wait()
    proxy.join(timeout=60)
    server.stop()


def run_proxy(port: int, upstream: int, latency: float, stop: Any, ready: Any) -> None:
    """Grandchild process: the latency proxy, until told to stop; says the estate is ready once it listens."""
    proxy = LatencyProxy(port, upstream, latency)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    ready.put({"endpoint": f"http://127.0.0.1:{port}", "moto_pid": os.getppid(), "proxy_pid": os.getpid()})
    stop.wait()
    proxy.shutdown()


def _seed(iam: Any, secrets: Any, n: int) -> None:
    users = n * 6 // 10
    for index in range(users):
        name = f"svc-user-{index:04d}"
        iam.create_user(REGION, name, tags=[{"Key": "owner", "Value": "team@example.com"}])
        iam.create_access_key(name)
    for index in range(n - users):
        iam.create_role(f"svc-role-{index:04d}", TRUST, "/", None, "", [], "3600")
    for index in range(max(1, n // 20)):
        secrets.create_secret(f"app/secret-{index:04d}", "not-a-real-value", None, None, None, None, None, [], False)


# ------------------------------------------------------------------------------------------- measurement


def collect(endpoint: str, parallel: int, results: Any) -> None:
    """Child process: one organization collection; reports wall time, peak RSS and snapshot size."""
    os.environ.update(FAKE_CREDENTIALS, AWS_ENDPOINT_URL=endpoint)
    os.environ.pop("AWS_PROFILE", None)
    from datetime import UTC, datetime

    from assurance_jobs.config import parse_config
    from assurance_jobs.steps.collect import collect_snapshot

    with tempfile.TemporaryDirectory() as folder:
        config = parse_config(
            {
                "organization": {"member_role_name": MEMBER_ROLE, "regions": [REGION]},
                "max_parallel_accounts": parallel,
                "storage_root": folder,
                "max_attempts": 5,
            }
        )
        ready = resource.getrusage(resource.RUSAGE_SELF)  # imports done: count the collection's CPU only
        started = time.perf_counter()
        manifest = collect_snapshot(config, datetime.now(UTC).date())
        seconds = time.perf_counter() - started
    states = Counter(record["collection"] for record in manifest.account_status)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put(
        {
            "parallel": parallel,
            "seconds": seconds,
            "collector_cpu": usage.ru_utime + usage.ru_stime - ready.ru_utime - ready.ru_stime,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "snapshot_bytes": sum(entry.bytes for entry in manifest.files),
            "accounts": len(manifest.account_status),
            "states": dict(states),
        }
    )


def proxy_counts(endpoint: str) -> Counter[str]:
    """Read and reset the proxy's request counts."""
    connection = http.client.HTTPConnection(urllib.parse.urlparse(endpoint).netloc, timeout=30)
    connection.request("POST", "/__counts")
    counts = Counter(json.loads(connection.getresponse().read()))
    connection.close()
    return counts


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used so far (from /proc: Linux only)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)


def measure(estate: dict[str, Any], parallel: int) -> dict[str, Any]:
    """One collection against a ready estate, with the CPU each process spent on it (seeding excluded)."""
    endpoint = estate["endpoint"]
    proxy_counts(endpoint)
    before = {name: cpu_seconds(estate[f"{name}_pid"]) for name in ("moto", "proxy")}
    results = mp.get_context("spawn").Queue()
    worker = mp.get_context("spawn").Process(target=collect, args=(endpoint, parallel, results))
    worker.start()
    row = results.get()
    worker.join()
    for name, used in before.items():
        row[f"{name}_cpu"] = cpu_seconds(estate[f"{name}_pid"]) - used
    row["requests"] = proxy_counts(endpoint)
    return row


def run_size(accounts: int, identities: int, latency: float, modes: list[int]) -> list[dict[str, Any]]:
    """Each mode against a freshly seeded estate: moto keeps state (a generated credential report), and a
    second run on the same estate would skip work the first one paid for."""
    rows = []
    for parallel in modes:
        context = mp.get_context("spawn")
        ready, stop = context.Queue(), context.Event()
        estate = context.Process(target=serve, args=(accounts, identities, latency, ready, stop))
        estate.start()
        ready_estate = ready.get(timeout=3600)
        try:
            rows.append({"members": accounts, **measure(ready_estate, parallel)})
        finally:
            stop.set()
            estate.join(timeout=60)
    return rows


def print_rows(rows: list[dict[str, Any]]) -> None:
    for members in sorted({row["members"] for row in rows}):
        group = [row for row in rows if row["members"] == members]
        covered = group[0]["accounts"]  # the members plus the management account
        print(f"\norganization of {members} member accounts ({covered} accounts collected, incl. the management one)")
        print(f"{'':34}" + "".join(f"{'parallel ' + str(row['parallel']):>16}" for row in group))
        lines = (
            ("wall seconds", lambda r: f"{r['seconds']:.1f}"),
            ("API requests (total)", lambda r: str(sum(r["requests"].values()))),
            ("API requests per account", lambda r: f"{sum(r['requests'].values()) / r['accounts']:.1f}"),
            ("peak RSS of collector (MB)", lambda r: f"{r['peak_rss_mb']:.0f}"),
            ("CPU s, collector (our code+boto3)", lambda r: f"{r['collector_cpu']:.1f}"),
            ("CPU s, moto server (emulator)", lambda r: f"{r['moto_cpu']:.1f}"),
            ("CPU s, latency proxy", lambda r: f"{r['proxy_cpu']:.1f}"),
            ("collector CPU s per account", lambda r: f"{r['collector_cpu'] / r['accounts']:.2f}"),
            ("moto CPU s per account", lambda r: f"{r['moto_cpu'] / r['accounts']:.2f}"),
            ("CPU s per wall s (2 cores = 2.0)", lambda r: f"{_cpu_total(r) / r['seconds']:.2f}"),
            ("snapshot bytes", lambda r: f"{r['snapshot_bytes']:,}"),
            ("account states", lambda r: ",".join(f"{k}={v}" for k, v in sorted(r["states"].items()))),
        )
        for label, cell in lines:
            print(f"{label:34}" + "".join(f"{cell(row):>16}" for row in group))
        print(
            f"{'speed-up vs sequential':34}" + "".join(f"{group[0]['seconds'] / r['seconds']:>15.1f}x" for r in group)
        )
        operations = sorted({op for row in group for op in row["requests"]})
        print(
            "requests by operation (first mode): " + ", ".join(f"{op}={group[0]['requests'][op]}" for op in operations)
        )


def _cpu_total(row: dict[str, Any]) -> float:
    return float(row["collector_cpu"] + row["moto_cpu"] + row["proxy_cpu"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="50,200", help="comma-separated member-account counts")
    parser.add_argument("--identities", type=int, default=100, help="IAM identities per member account")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="added delay per API call")
    parser.add_argument("--parallel", type=int, default=16, help="max_parallel_accounts of the parallel run")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for accounts in (int(size) for size in args.accounts.split(",")):
        rows += run_size(accounts, args.identities, args.latency_ms / 1000, [1, args.parallel])
        print(f"measured {accounts} accounts", flush=True)
    print_rows(rows)
    print(
        f"\n{args.latency_ms:.0f} ms added per API call at a loopback proxy; moto answers the first "
        "GenerateCredentialReport with STARTED, so each account also waits one 0.5 s report poll. moto never "
        "truncates GetAccountAuthorizationDetails (real IAM: one page per 1,000 principals)."
    )


if __name__ == "__main__":
    main()
