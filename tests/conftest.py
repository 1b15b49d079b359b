"""Shared test setup: no test may reach real AWS or phone home."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_aws import use_fake_aws

from assurance_jobs.demo.fidelity import moto_ssm_inventory


@pytest.fixture(autouse=True)
def fake_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials and no shared config, so a test that escapes moto fails instead of using a real account."""
    use_fake_aws(monkeypatch, tmp_path_factory.mktemp("aws-config") / "none")


@pytest.fixture(autouse=True, scope="session")
def moto_answers_describe_instance_information() -> Iterator[None]:
    """moto 5.2 lacks ssm:DescribeInstanceInformation, which every collection calls (`collect_resources`): answer
    it as AWS does for moto's agentless instances, in every moto a test starts (in process or a threaded server)."""
    with moto_ssm_inventory():
        yield
