"""Benchmark: a whole AWS Organization through the commands a user runs — `assurance-jobs run` with one worker and
with `--parallel` workers, and the Dagster job (`dagster asset materialize` of the daily job's assets, sharded
collection steps on the multiprocess executor) — against round trips of real length.

An emulated organization (moto: Organizations + cross-account AssumeRole) of N member accounts, each seeded with
`--identities` IAM identities (60 % users with an access key and an owner tag, 40 % roles) and a secret, is served
by a ThreadedMotoServer in a child process, behind a loopback proxy (tests/latency_proxy.py, in a process of its
own) that holds every request `--latency-ms` (100 ms by default), like AWS far away. Each path runs as a subprocess,
in a fresh folder and DAGSTER_HOME, against a freshly seeded estate (moto keeps state: a generated credential
report would make a second run cheaper).

Printed per path: wall seconds; CPU seconds of the command and every process it started (this process is their
subreaper, so the Dagster forkserver and its step processes are counted when they exit); peak memory of the
command's process group (the sum of each process's PSS, sampled every 0.2 s: forked step processes share pages);
the same per account; requests per account and the most the proxy held at once; the CPU of the emulator and of the
proxy (which real AWS does not charge to this machine); and the speed-ups the targets are about.

Caveats, printed too: moto answers the first GenerateCredentialReport with STARTED (one poll per account); moto
never truncates GetAccountAuthorizationDetails (real IAM pages at 1,000 principals). The run covers the whole
daily job (snapshot, inventory, evaluation, report), so its per-account figures include those steps too.

Run: python benchmarks/bench_org.py [--accounts 200] [--identities 10] [--latency-ms 100] [--parallel 16]
                                    [--accounts-per-step 50] [--paths cli-1,cli-N,dagster]
`--paths dagster,dagster-1` (on a small organization) also prints the CPU cost of one more collection step: the
Dagster path with every account in one step against one account per step.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import http.client
import json
import logging
import multiprocessing as mp
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from emulated_estate import FAKE_CREDENTIALS, REGION, TRUST  # noqa: E402  (benchmarks/ is the script's folder)
from latency_proxy import COUNTS_PATH, LatencyProxy  # noqa: E402  (a test helper, shared with the tests)
from org_server import free_port  # noqa: E402

MEMBER_ROLE = "AssuranceReadOnly"
PR_SET_CHILD_SUBREAPER = 36


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
    moto_port = free_port()
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
    proxy = mp.get_context("spawn").Process(target=run_proxy, args=(moto_port, latency, stop, ready))
    proxy.start()
    stop.wait()
    proxy.join(timeout=60)
    server.stop()


def run_proxy(upstream: int, latency: float, stop: Any, ready: Any) -> None:
    """Grandchild process: the latency proxy, until told to stop; says the estate is ready once it listens."""
    proxy = LatencyProxy(upstream, latency)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    ready.put({"endpoint": proxy.endpoint, "moto_pid": os.getppid(), "proxy_pid": os.getpid()})
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
    secrets.create_secret("app/secret", "not-a-real-value", None, None, None, None, None, [], False)


# ------------------------------------------------------------------------------------------- measurement


def command_for(path: str, folder: Path) -> list[str]:
    if path.startswith("cli"):
        return ["assurance-jobs", "run", "--config", str(folder / "assurance.yaml")]
    today = datetime.now(UTC).date().isoformat()
    module = ["-m", "assurance_jobs.definitions", "--select", "nhi_snapshot*", "--partition", today]
    return ["dagster", "asset", "materialize", *module]


def write_config(folder: Path, parallel: int, accounts_per_step: int) -> None:
    body = {
        "organization": {"member_role_name": MEMBER_ROLE, "regions": [REGION]},
        "max_parallel_accounts": parallel,
        "accounts_per_step": accounts_per_step,
        "storage_root": str(folder / "data"),
        "output_dir": str(folder / "out"),
        "max_attempts": 5,
    }
    (folder / "assurance.yaml").write_text(json.dumps(body))


def group_pss_mb(group: int) -> float:
    """The summed proportional set size of every process in a process group (Linux /proc)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getpgid(int(entry)) != group:
                continue
            with open(f"/proc/{entry}/smaps_rollup", encoding="ascii") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total / 1024


def run_path(path: str, endpoint: str, folder: Path) -> dict[str, Any]:
    """The command as a subprocess in its own process group; wall, CPU of its whole tree, peak group PSS."""
    env = {**os.environ, **FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "DAGSTER_HOME": str(folder / "home")}
    env["ASSURANCE_CONFIG"] = str(folder / "assurance.yaml")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("AWS_PROFILE", None)
    (folder / "home").mkdir()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    log = (folder / "output.log").open("wb")
    child = subprocess.Popen(
        command_for(path, folder), env=env, cwd=folder, stdout=log, stderr=log, start_new_session=True
    )
    peak, code = 0.0, None
    while code is None:
        peak = max(peak, group_pss_mb(child.pid))
        code = child.poll()
        time.sleep(0.2)
    wall = time.perf_counter() - started
    _reap_group(child.pid)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.close()
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"path": path, "exit": code, "wall": wall, "cpu": cpu, "peak_mb": peak, "log": folder / "output.log"}


def _reap_group(group: int, patience: float = 60.0) -> None:
    """Wait for the orphans of the command's group (the forkserver outlives the dagster command a moment)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-group, os.WNOHANG)
        except ChildProcessError:
            return  # none left
        if pid == 0:
            time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)


def proxy_counts(endpoint: str) -> dict[str, Any]:
    """Read and reset the proxy's request counts."""
    connection = http.client.HTTPConnection(urllib.parse.urlparse(endpoint).netloc, timeout=30)
    connection.request("GET", COUNTS_PATH)
    counts = json.loads(connection.getresponse().read())
    connection.close()
    return counts


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used so far (from /proc: Linux only)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    accounts: int, identities: int, latency: float, path: str, parallel: int, per_step: int, keep: Path | None = None
) -> dict:
    """One path against a freshly seeded estate (its folder kept under `keep`, if given, to look into)."""
    context = mp.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    estate = context.Process(target=serve, args=(accounts, identities, latency, ready, stop))
    estate.start()
    where = ready.get(timeout=3600)
    try:
        kept = nullcontext(tempfile.mkdtemp(dir=keep, prefix=f"{path}-")) if keep else tempfile.TemporaryDirectory()
        with kept as scratch:
            folder = Path(scratch)
            write_config(folder, 1 if path == "cli-1" else parallel, 1 if path == "dagster-1" else per_step)
            proxy_counts(where["endpoint"])
            emulator = {name: cpu_seconds(where[f"{name}_pid"]) for name in ("moto", "proxy")}
            row = run_path(path, where["endpoint"], folder)
            for name, used in emulator.items():
                row[f"{name}_cpu"] = cpu_seconds(where[f"{name}_pid"]) - used
            row.update(proxy_counts(where["endpoint"]))
            row["collected"] = _collected_accounts(folder)
            row["steps"] = -(-row["collected"] // (1 if path == "dagster-1" else per_step))
            if row["exit"] not in (0, 3):
                print(row["log"].read_text()[-3000:])
    finally:
        stop.set()
        estate.join(timeout=120)
    return row


def _collected_accounts(folder: Path) -> int:
    manifests = sorted((folder / "data" / "snapshots").glob("*/*/manifest.json"))
    return len(json.loads(manifests[-1].read_text())["account_status"]) if manifests else 0


def print_rows(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    accounts = max(row["collected"] for row in rows)
    print(
        f"\norganization of {args.accounts} members ({accounts} accounts incl. the management one), "
        f"{args.identities} identities each, {args.latency_ms:.0f} ms per request, {os.cpu_count()} cores"
    )
    print(f"{'':40}" + "".join(f"{label(row, args):>18}" for row in rows))
    lines = (
        ("exit code", lambda r: str(r["exit"])),
        ("wall seconds", lambda r: f"{r['wall']:.1f}"),
        ("CPU s (command + its processes)", lambda r: f"{r['cpu']:.1f}"),
        ("peak memory, MB (group PSS)", lambda r: f"{r['peak_mb']:.0f}"),
        ("wall s per account", lambda r: f"{r['wall'] / accounts:.3f}"),
        ("CPU s per account", lambda r: f"{r['cpu'] / accounts:.3f}"),
        ("peak MB per account", lambda r: f"{r['peak_mb'] / accounts:.2f}"),
        ("API requests per account", lambda r: f"{sum(r['requests'].values()) / accounts:.1f}"),
        ("requests in flight at most", lambda r: str(r["max_in_flight"])),
        ("CPU s, moto server (emulator)", lambda r: f"{r['moto_cpu']:.1f}"),
        ("CPU s, latency proxy", lambda r: f"{r['proxy_cpu']:.1f}"),
    )
    for name, cell in lines:
        print(f"{name:40}" + "".join(f"{cell(row):>18}" for row in rows))
    by_path = {row["path"]: row for row in rows}
    wall = {path: row["wall"] for path, row in by_path.items()}
    if "cli-1" in wall and "cli-N" in wall:
        print(f"CLI speed-up, {args.parallel} workers against 1: {wall['cli-1'] / wall['cli-N']:.1f}x")
    if "dagster" in wall and "cli-N" in wall:
        print(f"Dagster wall / CLI wall ({args.parallel} workers): {wall['dagster'] / wall['cli-N']:.2f}")
    if "dagster" in by_path and "dagster-1" in by_path:
        extra = by_path["dagster-1"]["steps"] - by_path["dagster"]["steps"]
        cost = (by_path["dagster-1"]["cpu"] - by_path["dagster"]["cpu"]) / max(1, extra)
        print(f"CPU s per extra collection step (one account per step against {args.accounts_per_step}): {cost:.2f}")
    print(
        "moto answers the first GenerateCredentialReport with STARTED (one poll per account); moto never truncates "
        "GetAccountAuthorizationDetails. Figures cover the whole daily job: snapshot, inventory, evaluation, report."
    )


def label(row: dict[str, Any], args: argparse.Namespace) -> str:
    if row["path"] == "cli-1":
        return "run, 1 worker"
    if row["path"] == "cli-N":
        return f"run, {args.parallel} workers"
    return f"dagster, {1 if row['path'] == 'dagster-1' else args.accounts_per_step}/step"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200, help="member accounts")
    parser.add_argument("--identities", type=int, default=10, help="IAM identities per member account")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="added delay per API call")
    parser.add_argument("--parallel", type=int, default=16, help="max_parallel_accounts of the parallel paths")
    parser.add_argument("--accounts-per-step", type=int, default=50, help="accounts_per_step of the Dagster path")
    parser.add_argument("--paths", default="cli-1,cli-N,dagster", help="cli-1, cli-N, dagster, dagster-1, in order")
    parser.add_argument("--keep", type=Path, help="keep each path's folder (data, output, DAGSTER_HOME) under this one")
    args = parser.parse_args()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphaned step processes are reaped (and counted) here
    rows = []
    for path in args.paths.split(","):
        latency = args.latency_ms / 1000
        rows.append(
            measure(args.accounts, args.identities, latency, path, args.parallel, args.accounts_per_step, args.keep)
        )
        print(f"measured {label(rows[-1], args)}: {rows[-1]['wall']:.1f} s", flush=True)
    print_rows(rows, args)


if __name__ == "__main__":
    main()
