"""What the operator sees: a short progress display, an aligned summary listing every output, JSON on request,
and runs recorded in Dagster under the named jobs (so the UI lists them under the job and can re-execute them).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import boto3
import dagster as dg
import pytest
from fake_aws import use_fake_aws
from moto import mock_aws

from assurance_jobs.app.cli import main
from assurance_jobs.app.exit_codes import EXIT_INCOMPLETE
from assurance_jobs.app.progress import RunProgress
from assurance_jobs.app.summary import summary_lines
from assurance_jobs.definitions import defs
from assurance_jobs.output.html import PAGE_GROUPS

TODAY = datetime.now(UTC).date().isoformat()
DAGSTER_EVENT_MARKERS = (" - DEBUG - ", "STEP_START", "ASSET_MATERIALIZATION")


@dataclass(frozen=True)
class Invocation:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Estate:
    config: Path
    dagster_home: Path
    runs: dict[str, Invocation]

    def instance(self) -> dg.DagsterInstance:
        from dagster._core.instance.ref import InstanceRef

        return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(self.dagster_home)))


def invoke(argv: list[str]) -> Invocation:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return Invocation(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    """One emulated account, run three ways: default (progress), --json, and -v --evaluate-only."""
    base = tmp_path_factory.mktemp("cli-output")
    config = base / "assurance.yaml"
    config.write_text(
        f"storage_root: {base / 'data'}\noutput_dir: {base / 'out'}\n"
        "accounts:\n  - name: test\n    regions: [us-east-1]\n"
    )
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        use_fake_aws(patch, base / "no-aws-config")
        patch.setenv("DAGSTER_HOME", str(base / "dagster_home"))
        iam = boto3.client("iam")
        iam.create_user(UserName="svc-deploy", Tags=[{"Key": "owner", "Value": "ops@example.com"}])
        iam.create_access_key(UserName="svc-deploy")
        runs = {
            "default": invoke(["run", "--config", str(config)]),
            "json": invoke(["run", "--config", str(config), "--json"]),
            "verbose": invoke(["run", "--config", str(config), "--evaluate-only", "-v"]),
        }
        yield Estate(config, base / "dagster_home", runs)


def test_default_run_prints_no_dagster_event_lines(estate: Estate) -> None:
    run = estate.runs["default"]
    assert run.code == EXIT_INCOMPLETE, run.stderr  # no directory feed, baseline or previous day: INCOMPLETE
    assert [marker for marker in DAGSTER_EVENT_MARKERS if marker in run.stdout + run.stderr] == []


def test_default_run_shows_one_progress_line_per_step(estate: Estate) -> None:
    lines = [line.strip() for line in estate.runs["default"].stderr.splitlines() if line.strip()]
    steps = [line for line in lines if line.startswith("[")]
    assert [line.split()[0] for line in steps] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert "snapshot the AWS estate" in steps[0] and "API error" in steps[0]
    assert "rule checks" in steps[2]


def test_snapshot_progress_counts_the_sources_as_they_are_collected(estate: Estate) -> None:
    lines = [line.strip() for line in estate.runs["default"].stderr.splitlines()]
    counts = [line.split()[0] for line in lines if "sources collected" in line]
    planned = counts[-1].split("/")[1]
    done = [int(count.split("/")[0]) for count in counts]
    assert done == sorted(done) and len(counts) <= 4  # at most one line per quarter, coalesced as collected
    assert counts[-1] == f"{planned}/{planned}"
    assert lines.index(next(line for line in lines if "sources collected" in line)) < lines.index(
        next(line for line in lines if line.startswith("[1/4]"))
    )


def test_report_progress_counts_the_page_groups_as_they_render(estate: Estate) -> None:
    lines = [line.strip() for line in estate.runs["default"].stderr.splitlines()]
    counts = [line.split()[0] for line in lines if "page groups rendered" in line]
    assert len(counts) == 4 and counts[-1] == f"{len(PAGE_GROUPS)}/{len(PAGE_GROUPS)}"
    assert lines.index(next(line for line in lines if "page groups rendered" in line)) < lines.index(
        next(line for line in lines if line.startswith("[4/4]"))
    )


def test_summary_lists_every_output_written_and_each_exists(estate: Estate) -> None:
    out = estate.runs["default"].stdout
    day = estate.config.parent / "out" / TODAY
    for name in ("index.html", "findings.json", "findings.csv", "findings.ocsf.json", "provenance.json"):
        assert str((day / name).resolve()) in out
    assert str((day / "assessment-results.oscal.json").resolve()) in out


def test_verbose_run_shows_dagsters_events(estate: Estate) -> None:
    run = estate.runs["verbose"]
    assert run.code == EXIT_INCOMPLETE, run.stderr  # no directory feed, baseline or previous day: INCOMPLETE
    assert "STEP_START" in run.stderr


def test_json_summary_is_one_document_naming_the_outputs(estate: Estate) -> None:
    run = estate.runs["json"]
    document = json.loads(run.stdout)
    assert document["success"] is True and document["errors"] == []
    assert document["partition_date"] == TODAY
    assert {"findings.json", "findings.csv", "OCSF findings", "OSCAL results", "provenance"} <= set(document["outputs"])
    assert all(Path(path).is_file() for path in document["outputs"].values())
    assert document["dagster_run_id"] in run.stdout


def test_runs_are_recorded_under_the_named_jobs(estate: Estate) -> None:
    jobs = sorted(run.job_name for run in estate.instance().get_runs())
    assert jobs == ["daily_assurance", "daily_assurance", "evaluate_only"]


def test_a_recorded_run_reexecutes_from_its_stored_job_name_and_config(estate: Estate) -> None:
    """What the UI's re-execute does: the same job, partition and run config, looked up by the stored name."""
    parent = next(run for run in estate.instance().get_runs() if run.job_name == "evaluate_only")
    assert parent.run_config["resources"]["settings"]["config"]["config_path"] == str(estate.config)
    with pytest.MonkeyPatch.context() as patch:
        use_fake_aws(patch, estate.config.parent / "no-aws-config")
        result = (
            defs()
            .resolve_job_def(parent.job_name)
            .execute_in_process(
                run_config=parent.run_config,
                partition_key=parent.tags["dagster/partition"],
                instance=dg.DagsterInstance.ephemeral(),
            )
        )
    assert result.success


def test_live_progress_renders_each_step_with_its_label() -> None:
    stream = io.StringIO()
    with RunProgress(["nhi_snapshot", "evaluation"], stream=stream, live=True):
        pass
    text = stream.getvalue()
    assert "[1/2] snapshot the AWS estate" in text and "[2/2] evaluate the rules" in text


def test_summary_table_aligns_counts_and_titles() -> None:
    summary = {
        "partition_date": "2026-11-25",
        "dagster_run_id": "r",
        "snapshot": {"location": "/s", "taken_at": "2026-11-25T06:00:00+00:00", "snapshot_id": "x"},
        "accounts": ["123456789012"],
        "evidence": {"complete": True, "api_calls": 8, "not_collected": []},
        "rules": {
            "evaluated": 2,
            "FAIL": 2,
            "INCOMPLETE": 0,
            "PASS": 0,
            "failing": [
                {"rule_id": "NHI-LP-001", "open": 1234, "title": "Admin"},
                {"rule_id": "NHI-DRIFT-001", "open": 5, "title": "Drift"},
            ],
        },
        "outputs": {"findings.json": "/o/findings.json", "report (all days)": "/o/index.html"},
    }
    lines = summary_lines(summary)
    rows = [line for line in lines if "Admin" in line or "Drift" in line]
    assert rows[0].index("Admin") == rows[1].index("Drift")
    assert rows[0].index("1,234") + len("1,234") == rows[1].index("5") + 1
    outputs = [line for line in lines if line.endswith(("/o/findings.json", "/o/index.html"))]
    assert len({line.index("/o/") for line in outputs}) == 1


def test_a_day_stored_but_not_published_says_so_instead_of_counts() -> None:
    summary = {
        "partition_date": "2026-11-25",
        "dagster_run_id": "r",
        "snapshot": {"location": "/s", "snapshot_id": "x"},
        "published": False,
    }
    assert summary_lines(summary)[-1] == (
        "  report       no report of this day is published (a failed or older run): nothing to summarise"
    )
