"""The demo seeds its estate and runs day 1 under a frozen clock (freezegun), with the Kubernetes client loaded:
the client version the package installs must survive the clock swap (kubernetes 37's lazily built pydantic models
do not, which is why pyproject.toml bounds it)."""

from __future__ import annotations

import kubernetes.client
from freezegun import freeze_time


def test_the_kubernetes_client_survives_the_demos_frozen_clock() -> None:
    with freeze_time("2026-12-05T06:00:00Z", tick=True):
        assert kubernetes.client.V1ServiceAccount(metadata=kubernetes.client.V1ObjectMeta(name="ci")).metadata.name
