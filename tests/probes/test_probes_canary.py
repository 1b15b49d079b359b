"""The canary for the new client authentication methods: a probe job run through Dagster with client_secret_post,
private_key_jwt (with revocation and introspection) and client_secret_basic, endpoints found by discovery — and
no client secret, private key, client assertion or token (revoked ones included) in any file it writes:
evidence, inventory, findings, report, exports or logs."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import dagster as dg
import pytest
from botocore.exceptions import ClientError
from joserfc.jwk import RSAKey
from probe_fixtures import CLIENT_ID, SECRET_ENV, oauth2_target

from assurance_jobs.app.runner import RunRequestOptions, materialize_probes
from assurance_jobs.collect import plan
from assurance_jobs.config import parse_config
from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.steps.collect import collect_snapshot, load_partition_snapshot
from assurance_jobs.steps.inventory import build_partition_inventory, store_inventory
from assurance_jobs.steps.tables import read_table

SECRET = "canary+secret: with%25 reserved&chars"
KEY_CLIENT, KEY_ENV = "svc-canary-key", "PROBE_CANARY_PRIVATE_KEY"
KEY = RSAKey.generate_key(2048)


def _denied(*_: object, **__: object) -> None:
    raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no AWS in this test"}}, "AssumeRole")


def _targets(issuer: LocalIssuer, introspecting: ResourceServer, local_jwt: ResourceServer) -> list[dict]:
    by_discovery = {"issuer": issuer.issuer, "token_endpoint": None, "audience": "orders-api"}
    key = {"client_id": KEY_CLIENT, "client_auth": "private_key_jwt", "client_secret": None}
    revoke = {"revocation": True, "introspection": True}
    targets = [
        {**oauth2_target("post", "", local_jwt.url), **by_discovery, "client_auth": "client_secret_post"},
        {**oauth2_target("key", "", introspecting.url), **by_discovery, **key, **revoke},
        {**oauth2_target("basic", issuer.token_endpoint, local_jwt.url, audience="orders-api"), "revocation": True},
    ]
    targets[2]["revocation_endpoint"] = f"{issuer.url}/revoke"  # configured, not discovered
    targets[1]["private_key_jwt"] = {"key": {"env": KEY_ENV}, "key_id": "canary-key"}
    return [{name: value for name, value in target.items() if value is not None} for target in targets]


@pytest.fixture(scope="module")
def canary_day(tmp_path_factory: pytest.TempPathFactory):
    """Today evaluated once (without AWS), then the probe job through Dagster; yields the folder written to and
    every credential value the run handled."""
    root = tmp_path_factory.mktemp("canary-day")
    issuer = LocalIssuer(lifetime_seconds=2, clients={CLIENT_ID: SECRET}, client_keys={KEY_CLIENT: KEY})
    introspecting = ResourceServer(issuer, "orders-api", introspect=True)
    local_jwt = ResourceServer(issuer, "orders-api")
    handler = logging.FileHandler(root / "probe.log")
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    pem = KEY.as_pem(private=True).decode()
    with pytest.MonkeyPatch.context() as patch, running(issuer, introspecting, local_jwt):
        patch.setenv(SECRET_ENV, SECRET)
        patch.setenv(KEY_ENV, pem)
        patch.setattr(plan, "session_for", _denied)
        config_body = {
            "storage_root": str(root / "data"),
            "output_dir": str(root / "out"),
            "accounts": [{"name": "prod", "role_arn": "arn:aws:iam::210987654321:role/AssuranceReadOnly"}],
            "probes": {
                "expiry_margin_seconds": 0.5,
                "late_replay_seconds": 0.5,
                "revocation_window_seconds": 1,
                "oauth2": _targets(issuer, introspecting, local_jwt),
            },
        }
        (root / "assurance.yaml").write_text(json.dumps(config_body))
        config = parse_config(config_body)
        today = datetime.now(UTC).date()
        manifest = collect_snapshot(config, today)
        built = build_partition_inventory(config, load_partition_snapshot(config, today))
        store_inventory(config, today, built.inventory, manifest)
        outcome = materialize_probes(
            RunRequestOptions(config_path=str(root / "assurance.yaml")), instance=dg.DagsterInstance.ephemeral()
        )
    logging.getLogger().removeHandler(handler)
    handler.close()
    assert outcome.success, outcome.errors
    return root, config, today, issuer, pem


def _canaries(issuer: LocalIssuer, pem: str) -> list[bytes]:
    values = [SECRET, *issuer.issued, *issuer.assertions]
    values += [jws.split(".")[2] for jws in [*issuer.issued, *issuer.assertions]]  # a signature alone identifies one
    values += [pem, *(line for line in pem.splitlines() if not line.startswith("-----"))]
    return [value.encode() for value in values]


def test_every_authentication_method_was_exercised(canary_day) -> None:
    _, config, today, issuer, _ = canary_day
    results = read_table(storage_for(config.storage_root), today, "rule_results")
    probed = results[results["account_id"].isin(["probe:post", "probe:key", "probe:basic"])]
    assert set(probed[probed["rule_id"] == "NHI-PRB-001"]["status"]) == {"PASS"}
    assert len(issuer.assertions) >= 4  # token requests (two), revocation and introspections of the key client
    assert len(issuer.issued) == 5  # one token per target, a second one for each revocation probe


def test_no_secret_key_assertion_or_token_is_written_anywhere(canary_day) -> None:
    root, _, _, issuer, pem = canary_day
    written = [path for path in root.rglob("*") if path.is_file()]
    assert len(written) > 20
    canaries = _canaries(issuer, pem)
    leaked = [str(path) for path in written for canary in canaries if canary in path.read_bytes()]
    assert leaked == []
