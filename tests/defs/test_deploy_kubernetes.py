"""The Kubernetes path of deploy/: its files are valid for the dagster-k8s and dagster-aws classes they name.

No cluster runs here, so these tests check what can be checked without one: every class deploy/dagster.yaml
names accepts its config block, and the code location, loaded with deploy/k8s.yaml's environment, runs its jobs
on `k8s_job_executor` with step outputs in S3 (pods share no disk). What they cannot show — pods scheduled, IRSA
credentials, the Helm chart rendered — is listed in deploy/README.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dagster._config import process_config

REPOSITORY = Path(__file__).resolve().parents[2]
DEPLOY = REPOSITORY / "deploy"


def _instance_document(monkeypatch: pytest.MonkeyPatch) -> dict:
    for name in ("DAGSTER_POSTGRES_HOST", "DAGSTER_POSTGRES_DB", "DAGSTER_POSTGRES_USER", "DAGSTER_POSTGRES_PASSWORD"):
        monkeypatch.setenv(name, "from-the-environment")
    monkeypatch.setenv("ASSURANCE_DAGSTER_LOG_BUCKET", "example-logs")
    return yaml.safe_load((DEPLOY / "dagster.yaml").read_text())


def _k8s_environment() -> dict[str, str]:
    """The code location's environment from deploy/k8s.yaml's ConfigMap, with this clone's example config."""
    documents = [doc for doc in yaml.safe_load_all((DEPLOY / "k8s.yaml").read_text()) if doc]
    (config_map,) = [doc for doc in documents if doc.get("kind") == "ConfigMap"]
    env = {key: str(value) for key, value in config_map["data"].items() if key.startswith("ASSURANCE_")}
    env["ASSURANCE_CONFIG"] = str(REPOSITORY / "assurance.example.yaml")
    return env


def test_the_run_launcher_block_is_valid_k8s_run_launcher_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster_k8s import K8sRunLauncher

    launcher = _instance_document(monkeypatch)["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    result = process_config(K8sRunLauncher.config_type(), launcher["config"])
    assert result.success, result.errors


def test_the_compute_log_block_is_valid_s3_compute_log_manager_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster_aws.s3.compute_log_manager import S3ComputeLogManager

    logs = _instance_document(monkeypatch)["compute_logs"]
    assert (logs["module"], logs["class"]) == ("dagster_aws.s3.compute_log_manager", "S3ComputeLogManager")
    result = process_config(S3ComputeLogManager.config_type(), logs["config"])
    assert result.success, result.errors


def test_with_the_k8s_environment_every_job_runs_on_k8s_job_executor_with_outputs_in_s3() -> None:
    probe = (
        "import json; from assurance_jobs.definitions import defs; defs = defs(); "
        "jobs = [defs.get_job_def(n) for n in ('daily_assurance', 'evaluate_only')]; "
        "print(json.dumps({'executors': sorted({j.executor_def.name for j in jobs}), "
        "'io_manager': type(defs.resources['io_manager']).__name__}))"
    )
    env = {
        **os.environ,
        **_k8s_environment(),
        "PYTHONPATH": f"{REPOSITORY}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    }
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"executors": ["account_parallel_k8s"], "io_manager": "S3PickleIOManager"}
