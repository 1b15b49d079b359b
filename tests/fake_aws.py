"""The fake AWS environment every test runs in: fake credentials, no shared config, no telemetry."""

from __future__ import annotations

from pathlib import Path

import pytest

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "1",
}
UNSET = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "ASSURANCE_CONFIG")


def use_fake_aws(patch: pytest.MonkeyPatch, aws_config: Path) -> None:
    """Apply the fake environment; `aws_config` is a path that does not exist, so no real profile is found."""
    for name in UNSET:
        patch.delenv(name, raising=False)
    for name, value in FAKE_AWS.items():
        patch.setenv(name, value)
    patch.setenv("AWS_CONFIG_FILE", str(aws_config))
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_config))
