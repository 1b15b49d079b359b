"""One run of `assurance-jobs demo`, shared by the end-to-end and browser tests.

The demo seeds an emulated AWS account, runs the daily job through Dagster and renders the report: one to three
minutes. It runs once per test session however many modules import `demo_run`, and the estate the demo seeded
(with its canaries and issued secret keys) is captured so tests can look for them in every output file.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fake_aws import use_fake_aws

import assurance_jobs.app.demo as demo_run_module
from assurance_jobs.app.cli import main
from assurance_jobs.demo.agents import AgentFleet
from assurance_jobs.demo.estate import DemoEstate

DEMO_SIZE = 60


@dataclass(frozen=True)
class DemoRun:
    out: Path
    exit_code: int
    stdout: str
    estate: DemoEstate
    stderr: str
    dagster_home: Path
    fleet: AgentFleet

    @property
    def reports(self) -> Path:
        return self.out / "reports"

    @property
    def partition_date(self) -> date:
        """The day the demo ran for: the as-of date of the seeded estate (earlier days may be rendered too)."""
        return self.estate.now.date()

    @property
    def day(self) -> Path:
        """The demo day's report folder: reports/<date>/."""
        return self.reports / self.partition_date.isoformat()

    def findings(self) -> list[dict[str, Any]]:
        return json.loads((self.day / "findings.json").read_text(encoding="utf-8"))["findings"]


_RUNS: dict[Path, DemoRun] = {}


def _run_demo(base: Path) -> DemoRun:
    """Run `assurance-jobs demo` in-process, recording the estate `seed_demo_estate` returns."""
    seeded: list[DemoEstate] = []
    fleets: list[AgentFleet] = []
    original = demo_run_module.seed_demo_estate
    original_fleet = demo_run_module.seed_agent_fleet

    def recording_seed(*args: Any, **kwargs: Any) -> DemoEstate:
        estate = original(*args, **kwargs)
        seeded.append(estate)
        return estate

    def recording_fleet(*args: Any, **kwargs: Any) -> AgentFleet:
        fleets.append(original_fleet(*args, **kwargs))
        return fleets[-1]

    out = base / "demo"
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        use_fake_aws(patch, base / "aws-config-none")
        patch.setenv("DAGSTER_HOME", str(_fresh(base / "dagster_home")))
        patch.setattr(demo_run_module, "seed_demo_estate", recording_seed)
        patch.setattr(demo_run_module, "seed_agent_fleet", recording_fleet)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["demo", "--out", str(out), "--size", str(DEMO_SIZE)])
    assert seeded, "the demo never seeded an estate"
    return DemoRun(
        out=out,
        exit_code=code,
        stdout=stdout.getvalue(),
        estate=seeded[0],
        stderr=stderr.getvalue(),
        dagster_home=base / "dagster_home",
        fleet=fleets[0],
    )


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """The demo's output folder, exit code, printed summary and seeded estate (run once per session)."""
    base = tmp_path_factory.getbasetemp()
    if base not in _RUNS:
        _RUNS[base] = _run_demo(tmp_path_factory.mktemp("demo-run"))
    yield _RUNS[base]


def copy_of_demo(run: DemoRun, target: Path) -> Path:
    """A copy of the demo's folder (store, reports, inputs, keys) at `target`, with its configuration pointing at the
    copy: tests may alter it without touching the shared run. Returns the copy's configuration file."""
    shutil.copytree(run.out, target, symlinks=True)
    config = target / "assurance.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(str(run.out), str(target)), encoding="utf-8")
    return config
