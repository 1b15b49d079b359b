"""An emulated AWS account (moto server on loopback) that unmodified boto3 code reaches via AWS_ENDPOINT_URL.

The collector builds plain `boto3.Session`s; botocore honours AWS_ENDPOINT_URL, so pointing the environment at
the emulator is all it takes, and a child process (a Dagster run, the CLI) inherits the same view. The
environment is also made unable to reach a real account: fake keys, no profile, no config or credentials files.
"""

from __future__ import annotations

import logging
import os
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from moto import backends as moto_backends
from moto.server import ThreadedMotoServer

from assurance_jobs.demo.agent_platform import agent_platform_emulation
from assurance_jobs.demo.fidelity import moto_fidelity_patches

DEMO_REGION = "us-east-1"
FAKE_ACCESS_KEY_ID = "testing"
FAKE_SECRET_ACCESS_KEY = "testing"

_UNSET_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


def reset_emulator(endpoint_url: str) -> None:
    """Forget every resource in the emulator (moto's own reset endpoint), so each use starts from empty."""
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _emulator_environment(endpoint_url: str, scratch: Path) -> dict[str, str | None]:
    """The variables to set (str) or remove (None) so that boto3 sees only the emulator."""
    missing = str(scratch / "no-such-aws-file")
    wanted: dict[str, str | None] = dict.fromkeys(_UNSET_VARIABLES)
    wanted |= {name: None for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")}
    wanted |= {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": DEMO_REGION,
        "AWS_REGION": DEMO_REGION,
        "AWS_CONFIG_FILE": missing,
        "AWS_SHARED_CREDENTIALS_FILE": missing,
    }
    return wanted


@contextmanager
def _patched_environ(changes: dict[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in changes}
    try:
        for name, value in changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _quiet_request_log() -> Iterator[None]:
    """werkzeug logs every request to stderr; a seeding run makes thousands."""
    logger = logging.getLogger("werkzeug")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


@contextmanager
def _cached_service_listing() -> Iterator[None]:
    """moto's server lists its own package directory on every request (two stat calls per service, ~180
    services); cache the listing. This roughly halves the emulator's CPU per request when seeding."""
    listing = tuple(moto_backends.list_of_moto_modules())
    with mock.patch.object(moto_backends, "list_of_moto_modules", lambda: listing):
        yield


@contextmanager
def emulated_aws() -> Iterator[str]:
    """Run an empty emulated AWS account on 127.0.0.1 (free port); yield its endpoint URL.

    The environment and moto's state are restored on exit. moto keeps its state per process, so two
    `emulated_aws()` blocks must not be open at the same time in one process.
    """
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    with (
        _quiet_request_log(),
        _cached_service_listing(),
        moto_fidelity_patches(),
        agent_platform_emulation(),  # the agent-platform calls moto lacks (demo/agent_platform.py)
        tempfile.TemporaryDirectory() as scratch,
    ):
        server.start()
        host, port = server.get_host_and_port()
        endpoint_url = f"http://{host}:{port}"
        try:
            reset_emulator(endpoint_url)
            with _patched_environ(_emulator_environment(endpoint_url, Path(scratch))):
                yield endpoint_url
        finally:
            try:
                reset_emulator(endpoint_url)
            finally:
                server.stop()
