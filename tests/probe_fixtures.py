"""A real local OAuth2 issuer and relying services on 127.0.0.1, and probe configurations pointing at them."""

from __future__ import annotations

from typing import Any

from assurance_jobs.config import AssuranceConfig, parse_config

CLIENT_ID = "svc-orders-sync"
CLIENT_SECRET = "probe-client-secret-7f3a9c"  # a test value that must never be stored
SECRET_ENV = "PROBE_TEST_CLIENT_SECRET"


def oauth2_target(name: str, token_endpoint: str, resource_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "token_endpoint": token_endpoint,
        "client_id": CLIENT_ID,
        "client_secret": {"env": SECRET_ENV},
        "resource_url": resource_url,
        **extra,
    }


def probes_config(targets: list[dict[str, Any]], storage_root: str = "./unused", **settings: Any) -> AssuranceConfig:
    probes = {"expiry_margin_seconds": 0.5, "request_timeout_seconds": 3, "oauth2": targets, **settings}
    return parse_config({"storage_root": storage_root, "probes": probes})
