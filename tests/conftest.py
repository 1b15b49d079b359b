"""Shared test setup: no test may reach real AWS or phone home."""

from __future__ import annotations

import pytest
from fake_aws import use_fake_aws


@pytest.fixture(autouse=True)
def fake_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials and no shared config, so a test that escapes moto fails instead of using a real account."""
    use_fake_aws(monkeypatch, tmp_path_factory.mktemp("aws-config") / "none")
