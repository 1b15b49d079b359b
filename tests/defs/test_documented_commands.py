"""Every command docs/organizations.md gives runs, as written, against an emulated organization: the command line,
the pool limit, `dagster asset materialize` of the daily job's assets for today, and of every asset (probes
included, none configured) for a past day that has a stored snapshot.

The commands run in bash, in order, from a folder holding the organization's `assurance.yaml`, against a moto
server on 127.0.0.1 (AWS_ENDPOINT_URL), with this virtualenv's `assurance-jobs` and `dagster` first on PATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest
from fake_aws import FAKE_AWS
from org_fixtures import build_organization, organization_config
from org_server import moto_server

from assurance_jobs.config import load_config
from assurance_jobs.steps.collect import collect_snapshot

REPOSITORY = Path(__file__).resolve().parents[2]
DOC = REPOSITORY / "docs" / "organizations.md"
TODAY = datetime.now(UTC).date()
EXIT_MARK = "::exit "


def documented_commands() -> list[str]:
    """The command lines of the document's bash blocks, in order."""
    blocks = re.findall(r"```bash\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def past_day(commands: list[str]) -> date:
    """The stored day the document re-materialises (it must have a snapshot: the test stores one)."""
    (day,) = {found for command in commands for found in re.findall(r"--partition (\d{4}-\d{2}-\d{2})", command)}
    return date.fromisoformat(day)


def run_in_bash(commands: list[str], folder: Path, endpoint: str) -> tuple[list[int], str]:
    """The commands as one bash script (so `export` carries over); each one's exit code, and the output."""
    script = "\n".join(f'{command}\necho "{EXIT_MARK}$?"' for command in commands)
    env = {
        **os.environ,
        **FAKE_AWS,
        "AWS_ENDPOINT_URL": endpoint,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("DAGSTER_HOME", None)
    done = subprocess.run(
        ["bash", "-c", script], cwd=folder, env=env, capture_output=True, text=True, timeout=1500, check=False
    )
    output = done.stdout + done.stderr
    codes = [int(line[len(EXIT_MARK) :]) for line in done.stdout.splitlines() if line.startswith(EXIT_MARK)]
    return codes, output


@pytest.mark.timeout(1800)
def test_every_command_of_the_organization_guide_runs_as_written(tmp_path: Path) -> None:
    commands = documented_commands()
    assert any(c.startswith("assurance-jobs run") for c in commands)
    assert any(c.startswith("dagster asset materialize") for c in commands)
    day = past_day(commands)
    assert day < TODAY
    config = tmp_path / "assurance.yaml"
    settings = {
        **organization_config(),
        "storage_root": str(tmp_path / "data"),
        "output_dir": str(tmp_path / "out"),
        "max_parallel_accounts": 2,
        "accounts_per_step": 2,  # five accounts: three collection steps under the multiprocess executor
    }
    config.write_text(json.dumps(settings))
    with pytest.MonkeyPatch.context() as patch, moto_server() as endpoint:
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        build_organization()
        collect_snapshot(load_config(config), TODAY)  # a stored day for the document's past partition
        days = tmp_path / "data" / "snapshots"
        shutil.copytree(days / TODAY.isoformat(), days / day.isoformat())
        codes, output = run_in_bash(commands, tmp_path, endpoint)
    assert len(codes) == len(commands), output[-4000:]
    expected = [(0, 3) if c.startswith("assurance-jobs run") else (0,) for c in commands]
    assert [code in allowed for code, allowed in zip(codes, expected, strict=True)] == [True] * len(commands), (
        list(zip(commands, codes, strict=True)),
        output[-4000:],
    )
    for reported in (TODAY, day):
        assert (tmp_path / "out" / reported.isoformat() / "index.html").exists()
    with dg.DagsterInstance.from_config(str(tmp_path / ".dagster_home")) as instance:
        probes = instance.get_latest_materialization_event(dg.AssetKey("probe_results"))
    assert probes is not None and probes.asset_materialization is not None
    assert probes.asset_materialization.metadata["probed"].value is False  # a past day, and no probes configured
