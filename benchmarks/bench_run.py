"""Benchmark: the fixed cost of one `assurance-jobs run` — the real command line on a small emulated account.

A ThreadedMotoServer on 127.0.0.1 (in this process) holds one account of `--identities` IAM identities (60 %
users with an access key and an owner tag, 40 % roles) and a secret. `assurance-jobs run --config ... --out ...`
then runs `--runs` times as a subprocess, exactly as a user types it (AWS_ENDPOINT_URL points it at the emulator),
each run with fresh storage and output folders and one shared DAGSTER_HOME (the first run also creates the
instance's SQLite databases, as a user's first run does).

Printed per run: wall seconds, CPU seconds (user + system of the command and its children), peak RSS, the exit
code, and where the wall time went, read back from the run's Dagster event log:
* start-up — interpreter, imports, configuration checks and the definitions, until the run's first event;
* each step (`nhi_snapshot` is its plan, collect and commit sub-steps together), from its first STEP_START to its
  last STEP_SUCCESS;
* orchestration — the run's time outside its steps (Dagster's own bookkeeping between steps);
* summary and exit — from the run's last event to the process's end (the summary printed, interpreter shutdown).
Then the import cost of the heavy libraries alone (each in a fresh interpreter), for reference.

Run: python benchmarks/bench_run.py [--identities 19] [--runs 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from emulated_estate import FAKE_CREDENTIALS, REGION, TRUST  # benchmarks/ is on the path of a script run there

LIBRARIES = ("dagster", "great_expectations", "pandas", "boto3", "assurance_jobs.definitions")


def start_estate(identities: int) -> tuple[Any, str]:
    """A moto server holding one seeded account (seeded through the API, like any client would)."""
    import boto3
    from moto.server import ThreadedMotoServer

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from org_server import free_port

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, **_keys())
    users = identities * 6 // 10
    for index in range(users):
        name = f"svc-user-{index:02d}"
        iam.create_user(UserName=name, Tags=[{"Key": "owner", "Value": "team@example.com"}])
        iam.create_access_key(UserName=name)
    for index in range(identities - users):
        iam.create_role(RoleName=f"svc-role-{index:02d}", AssumeRolePolicyDocument=TRUST)
    secrets = boto3.client("secretsmanager", endpoint_url=endpoint, region_name=REGION, **_keys())
    secrets.create_secret(Name="app/db", SecretString="not-a-real-value")
    return server, endpoint


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def one_run(folder: Path, endpoint: str, home: Path, number: int) -> dict[str, Any]:
    """The real command line in a subprocess; its own resource usage from wait4."""
    work = folder / f"run-{number}"
    work.mkdir()
    config = work / "assurance.yaml"
    account = f"accounts:\n  - name: bench\n    regions: [{REGION}]\n"
    config.write_text(f"storage_root: {work / 'data'}\noutput_dir: {work / 'out'}\n{account}")
    env = {**os.environ, **FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "DAGSTER_HOME": str(home)}
    env.pop("AWS_PROFILE", None)
    command = [sys.executable, "-m", "assurance_jobs.app.cli", "run", "--config", str(config)]
    started_at, started = time.time(), time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=work)
    output = child.stdout.read() if child.stdout else b""
    _, status, usage = os.wait4(child.pid, 0)
    ended_at, wall = time.time(), time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "exit": child.returncode,
        "phases": phases(home, started_at, ended_at),
        "output": output.decode("utf-8", "replace"),
    }


def phases(home: Path, started_at: float, ended_at: float) -> dict[str, float]:
    """Where the run's wall time went, from its stored events (the newest run on the instance)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        run = instance.get_runs(limit=1)[0]
        events = [entry for entry in instance.all_logs(run.run_id) if entry.dagster_event is not None]
    first, last = events[0].timestamp, events[-1].timestamp
    spans: dict[str, list[float]] = defaultdict(list)
    for entry in events:
        if entry.step_key and entry.dagster_event.event_type_value in ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE"):
            spans[entry.step_key.split(".", 1)[0]].append(entry.timestamp)
    steps = {f"step {key}": max(times) - min(times) for key, times in spans.items()}
    return {
        "start-up (imports, checks, definitions)": first - started_at,
        **steps,
        "orchestration between steps": (last - first) - sum(steps.values()),
        "summary and exit": ended_at - last,
    }


def import_cost(module: str) -> float:
    """CPU seconds of importing `module` alone in a fresh interpreter (minus a bare interpreter's)."""

    def cpu(code: str) -> float:
        child = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, **FAKE_CREDENTIALS})
        _, _, usage = os.wait4(child.pid, 0)
        return usage.ru_utime + usage.ru_stime

    return cpu(f"import {module}") - cpu("pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identities", type=int, default=19, help="IAM identities in the emulated account")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from assurance_jobs.demo.fidelity import moto_ssm_inventory

    server, endpoint = start_estate(args.identities)
    rows = []
    patched = moto_ssm_inventory()  # moto lacks ssm:DescribeInstanceInformation, which collect_resources calls
    patched.__enter__()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            for number in range(1, args.runs + 1):
                rows.append(one_run(folder, endpoint, folder / "dagster_home", number))
                print(f"run {number}: {rows[-1]['wall']:.1f} s, exit {rows[-1]['exit']}", flush=True)
    finally:
        patched.__exit__(None, None, None)
        server.stop()
    if any(row["exit"] not in (0, 3) for row in rows):
        print(rows[-1]["output"])
    print(f"\n`assurance-jobs run` on one emulated account of {args.identities} identities, {os.cpu_count()} cores")
    print(f"{'':42}" + "".join(f"{'run ' + str(n):>10}" for n in range(1, len(rows) + 1)) + f"{'median':>10}")
    table = [
        ("wall seconds", [row["wall"] for row in rows]),
        ("CPU seconds (command + children)", [row["cpu"] for row in rows]),
        ("peak RSS (MB)", [row["peak_rss_mb"] for row in rows]),
        ("exit code", [float(row["exit"]) for row in rows]),
    ]
    for name in rows[0]["phases"]:
        table.append((f"  {name}", [row["phases"].get(name, 0.0) for row in rows]))
    for label, values in table:
        cells = "".join(f"{value:>10.2f}" for value in values)
        print(f"{label:42}{cells}{statistics.median(values):>10.2f}")
    print("\nimport cost alone, CPU seconds in a fresh interpreter:")
    for module in LIBRARIES:
        print(f"  {module:40}{import_cost(module):>8.2f}")
    print(
        "\nThe snapshot step includes moto answering the first GenerateCredentialReport with STARTED (one poll); "
        "the emulator runs in this process, on the same cores."
    )


if __name__ == "__main__":
    main()
