"""A day's report is published whole or not at all: a `kill -9` while a rerun renders it leaves the report of that
day exactly as it was (issue 22) — the new one is written into a hidden folder and swapped in only when complete."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest_demo import DemoRun, copy_of_demo, demo_run  # noqa: F401  (the shared demo fixture)

from assurance_jobs.config import load_config
from assurance_jobs.steps.verify import verify_report_folder

PUBLISH_THEN_STALL = """
import sys, time
from datetime import date
from assurance_jobs.config import load_config
from assurance_jobs.steps.publish import publish_partition

config, day, marker = load_config(sys.argv[1]), date.fromisoformat(sys.argv[2]), sys.argv[3]

def stall_mid_write(done, total, group):
    if done == 3:  # identity pages next: the new report is half written
        open(marker, "w").write(group)
        time.sleep(600)

publish_partition(config, day, "run-that-is-killed", on_group=stall_mid_write)
"""


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_a_publish_killed_mid_write_leaves_the_days_previous_report_intact(
    demo_run: DemoRun,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = copy_of_demo(demo_run, tmp_path / "demo")
    day_folder = Path(load_config(config).output_dir) / demo_run.partition_date.isoformat()
    before = digests(day_folder)
    marker = tmp_path / "mid-write"
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "DAGSTER_DISABLE_TELEMETRY": "1"}
    command = [sys.executable, "-c", PUBLISH_THEN_STALL, str(config), demo_run.partition_date.isoformat(), str(marker)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), process.communicate(timeout=5)[1].decode()[-2000:]
        staged = [p for p in day_folder.parent.iterdir() if p.name.startswith(f".{day_folder.name}.")]
        assert staged and any(staged[0].rglob("*.html"))  # the new report was being written, beside the old
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert digests(day_folder) == before
    assert verify_report_folder(day_folder).ok
