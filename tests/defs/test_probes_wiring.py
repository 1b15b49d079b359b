"""The probes run on their own: their job and schedule, never inside the daily job; secrets by ARN resolve in
memory; evidence that would contain a token is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import boto3
import dagster as dg
import pandas as pd
import pytest
from botocore.stub import Stubber

from assurance_jobs.config import SecretReference, parse_config
from assurance_jobs.definitions import defs
from assurance_jobs.defs.probes import build_probe_schedule, probe_selection
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.probes.record import Redactor
from assurance_jobs.probes.secret_refs import SecretUnavailable, resolve_secret
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.tables import store_table

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:probe-client-AbCdEf"


def _job_assets(name: str) -> set[str]:
    return {key.to_user_string() for key in defs().resolve_job_def(name).asset_layer.executable_asset_keys}


@pytest.mark.parametrize("job", ["daily_assurance", "change_rerun", "evaluate_only"])
def test_jobs_of_the_daily_path_never_run_the_probes(job: str) -> None:
    assert "probe_results" not in _job_assets(job)


def test_probe_job_runs_the_probes_then_reevaluates_and_republishes() -> None:
    assert _job_assets("runtime_probes") == {"probe_results", "findings", "rule_results", "compliance_report"}


def _config(tmp_path: Path, probes: bool = True):
    body: dict = {"storage_root": str(tmp_path / "data")}
    if probes:
        body["probes"] = {"sts": [{"name": "probe-role", "role_arn": "arn:aws:iam::123456789012:role/probe"}]}
    return parse_config(body)


def test_probe_job_only_probes_a_day_not_yet_evaluated(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert probe_selection(config, date(2026, 11, 25)) == ["probe_results"]
    store_table(storage_for(config.storage_root), date(2026, 11, 25), "identities", pd.DataFrame({"arn": []}))
    assert probe_selection(config, date(2026, 11, 25))[0] == "probe_results"
    assert "compliance_report" in probe_selection(config, date(2026, 11, 25))


def _tick(tmp_path: Path, config_text: str):
    path = tmp_path / "assurance.yaml"
    path.write_text(config_text)
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 25, 6, 30, tzinfo=UTC))
    return build_probe_schedule(None)(context, settings=AssuranceSettings(config_path=str(path)))


def test_schedule_requests_todays_probe_run(tmp_path: Path) -> None:
    request = _tick(
        tmp_path,
        f"storage_root: {tmp_path / 'data'}\nprobes:\n  sts:\n    - name: probe-role\n"
        "      role_arn: arn:aws:iam::123456789012:role/probe\n",
    )
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "2026-11-25" and request.asset_selection == [dg.AssetKey("probe_results")]


def test_schedule_skips_without_probe_targets(tmp_path: Path) -> None:
    assert isinstance(_tick(tmp_path, f"storage_root: {tmp_path / 'data'}\n"), dg.SkipReason)


def test_secret_by_arn_is_read_into_memory() -> None:
    client = boto3.client("secretsmanager", region_name="eu-west-1")
    with Stubber(client) as stub:
        stub.add_response("get_secret_value", {"SecretString": "from-secrets-manager"}, {"SecretId": ARN})
        value = resolve_secret(SecretReference(secretsmanager_arn=ARN), secretsmanager=lambda region: client)
    assert value == "from-secrets-manager"


def test_denied_secret_means_the_probe_cannot_run() -> None:
    client = boto3.client("secretsmanager", region_name="eu-west-1")
    with Stubber(client) as stub, pytest.raises(SecretUnavailable, match="AccessDeniedException") as error:
        stub.add_client_error("get_secret_value", "AccessDeniedException")
        resolve_secret(SecretReference(secretsmanager_arn=ARN), secretsmanager=lambda region: client)
    assert error.value.code == "CredentialMissing"


def test_evidence_containing_a_token_is_refused() -> None:
    redactor = Redactor()
    redactor.add("eyJhbGciOiJFUzI1NiJ9.payload.signature")
    redactor.check(b'{"fingerprint": "hmac-sha256:abc"}')
    with pytest.raises(ValueError, match="refusing to store"):
        redactor.check(b'{"echo": "Bearer eyJhbGciOiJFUzI1NiJ9.payload.signature"}')


def test_scrub_removes_a_known_secret_from_text() -> None:
    redactor = Redactor()
    redactor.add("probe-client-secret")
    assert redactor.scrub("invalid_client for probe-client-secret") == "invalid_client for [redacted]"


def test_probe_command_without_probe_targets_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assurance_jobs.app.cli import main

    config = tmp_path / "assurance.yaml"
    config.write_text(f"storage_root: {tmp_path / 'data'}\n")
    assert main(["probe", "--config", str(config)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "field 'probes'" in error
