"""The production instance: Dagster's run, event and schedule storage in a real PostgreSQL (dagster-postgres).

CI starts a private cluster on 127.0.0.1 (.ci/start-postgres) and exports ASSURANCE_TEST_POSTGRES_DSN. Locally,
without it, these tests skip; in CI (CI=true) its absence is a failure, so they can never be skipped silently.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from org_fixtures import build_organization, organization_config
from org_server import moto_server

from assurance_jobs.definitions import CONFIG_ENV
from assurance_jobs.defs.snapshot import ACCOUNT_POOL
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.snapshot.store import list_snapshots, read_snapshot

DSN_ENV = "ASSURANCE_TEST_POSTGRES_DSN"
REPOSITORY = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parents[1]
TODAY = datetime.now(UTC).date()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the CI cluster for each test, dropped afterwards."""
    dsn = os.environ.get(DSN_ENV)
    if not dsn:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DSN_ENV} is not set: .ci/run must start PostgreSQL with .ci/start-postgres")
        pytest.skip(f'{DSN_ENV} not set (run: eval "$(.ci/start-postgres)")')
    psycopg2 = pytest.importorskip("psycopg2")
    name = f"assurance_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(dsn)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; dagster-postgres ships with psycopg2
        yield dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg2://", 1) + f"/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def postgres_instance_yaml(url: str, pool_limit: int | None = None) -> str:
    """The storage block of deploy/dagster.yaml, pointed at the test database."""
    body: dict = {"storage": {"postgres": {"postgres_url": url}}, "telemetry": {"enabled": False}}
    if pool_limit is not None:
        body["concurrency"] = {"pools": {"default_limit": pool_limit}}
    return json.dumps(body)


def write_config(folder: Path, **extra: object) -> Path:
    path = folder / "assurance.yaml"
    body = {**organization_config(), "storage_root": str(folder / "data"), "output_dir": str(folder / "out"), **extra}
    path.write_text(json.dumps(body))
    return path


def cli_run(config: Path, dagster_home: Path, endpoint: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "DAGSTER_HOME": str(dagster_home),
        "PYTHONPATH": f"{REPOSITORY}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    command = [sys.executable, "-m", "assurance_jobs.app.cli", "run", "--config", str(config)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_the_deploy_instance_file_is_a_postgres_instance() -> None:
    """deploy/dagster.yaml keeps run, event-log and schedule storage in Postgres, read from the environment."""
    text = (REPOSITORY / "deploy" / "dagster.yaml").read_text()
    import yaml

    document = yaml.safe_load(text)
    postgres = document["storage"]["postgres"]["postgres_db"]
    assert postgres["password"] == {"env": "DAGSTER_POSTGRES_PASSWORD"}
    assert postgres["scheme"] == "postgresql+psycopg2"  # the driver dagster-postgres installs
    assert document["concurrency"]["pools"]["default_limit"] >= 1
    assert document["run_launcher"]["class"] == "K8sRunLauncher"


def test_the_deploy_storage_block_is_valid_dagster_postgres_config(monkeypatch: pytest.MonkeyPatch) -> None:
    dagster_postgres = pytest.importorskip("dagster_postgres")
    import yaml
    from dagster._config import process_config

    for name in ("DAGSTER_POSTGRES_HOST", "DAGSTER_POSTGRES_DB", "DAGSTER_POSTGRES_USER", "DAGSTER_POSTGRES_PASSWORD"):
        monkeypatch.setenv(name, "from-the-environment")
    document = yaml.safe_load((REPOSITORY / "deploy" / "dagster.yaml").read_text())
    schema = dagster_postgres.DagsterPostgresStorage.config_type()
    result = process_config(schema, document["storage"]["postgres"])
    assert result.success, result.errors


@pytest.mark.timeout(900)
def test_two_concurrent_runs_of_one_day_both_finish_and_the_partition_verifies(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(postgres_instance_yaml(postgres_url))
    with moto_server() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        build_organization()
        config = write_config(tmp_path)
        runs = [cli_run(config, home, endpoint) for _ in range(2)]
        outputs = [run.communicate(timeout=840)[0] for run in runs]
    codes = [run.returncode for run in runs]
    assert all(code in (0, 3) for code in codes), outputs  # 0 complete, 3 evidence incomplete (a suspended account)
    storage = storage_for(str(tmp_path / "data"))
    snapshot_ids = list_snapshots(storage, TODAY)
    assert len(snapshot_ids) == 2  # one immutable snapshot per run, neither overwritten
    for snapshot_id in snapshot_ids:
        read_snapshot(storage, TODAY, snapshot_id)  # raises SnapshotIntegrityError on any sha256 mismatch
    with dg.DagsterInstance.from_config(str(home)) as instance:
        statuses = [run.status for run in instance.get_runs()]
    assert statuses == [dg.DagsterRunStatus.SUCCESS] * 2


@pytest.mark.timeout(900)
def test_account_steps_fan_out_in_processes_within_the_pool_limit_on_postgres(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real multiprocess executor, one account per step (accounts_per_step: 1, so up to four steps at once);
    the instance's pool limit lets two collection steps run at a time."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(postgres_instance_yaml(postgres_url, pool_limit=2))
    with moto_server() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        org = build_organization()
        monkeypatch.setenv(CONFIG_ENV, str(write_config(tmp_path, max_parallel_accounts=4, accounts_per_step=1)))
        monkeypatch.setenv("PYTHONPATH", f"{TESTS}{os.pathsep}{REPOSITORY}")
        with dg.DagsterInstance.from_config(str(home)) as instance:
            result = execute_daily_snapshot(instance)
            overlap = max_overlap(instance, result.run_id)
            limit = instance.event_log_storage.get_concurrency_info(ACCOUNT_POOL).slot_count
    assert result.success
    assert limit == 2
    assert 1 <= overlap <= 2
    snapshot_ids = list_snapshots(storage_for(str(tmp_path / "data")), TODAY)
    manifest = read_snapshot(storage_for(str(tmp_path / "data")), TODAY, snapshot_ids[-1]).manifest
    assert {r["account_id"] for r in manifest.account_status} == {*org.accounts.values(), "123456789012"}


def execute_daily_snapshot(instance: dg.DagsterInstance) -> dg.ExecutionResult:
    job = dg.build_reconstructable_job("dagster_jobs", "daily_assurance", reconstructor_working_directory=str(TESTS))
    return dg.execute_job(
        job,
        instance=instance,
        asset_selection=[dg.AssetKey("nhi_snapshot")],
        tags={"dagster/partition": TODAY.isoformat()},
        raise_on_error=False,
    )


def max_overlap(instance: dg.DagsterInstance, run_id: str) -> int:
    """The most collection steps running at one moment, from the stored step start/end events."""
    edges: list[tuple[float, int]] = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not (entry.step_key and ".collect_accounts[" in entry.step_key):
            continue
        if event.event_type_value == "STEP_START":
            edges.append((entry.timestamp, 1))
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            edges.append((entry.timestamp, -1))
    running = peak = 0
    for _, change in sorted(edges):
        running += change
        peak = max(peak, running)
    return peak
