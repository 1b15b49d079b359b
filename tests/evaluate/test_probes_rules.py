"""The probes suite over the `probes` table: one verdict per rule and target; what could not be judged is
INCOMPLETE, never PASS, and is not a finding."""

from __future__ import annotations

import pandas as pd
import pytest

from assurance_jobs.evaluate.probes import evaluate_probes
from assurance_jobs.evaluate.suites import load_suites
from assurance_jobs.probes.record import ProbeEvent, ProbeRecord
from assurance_jobs.scan.probe_table import ConfiguredTarget, probe_table

SHA = "a" * 64


def _event(
    phase: str, outcome: str, status: int | None, offset: float, after_expiry: float | None = None
) -> ProbeEvent:
    at = "2026-11-25T06:30:00.000+00:00"
    return ProbeEvent(phase, at, offset, outcome, status, after_expiry_seconds=after_expiry)  # type: ignore[arg-type]


def record(
    target: str,
    *,
    replay: tuple[str, int | None] | None = ("rejected", 401),
    lifetime: float | None = 300.0,
    second: tuple[str, int] | None = None,
    revoke: str | None = None,
    revoked_after_expiry: float | None = -30.0,
    status: str = "ok",
    kind: str = "oauth2",
) -> ProbeRecord:
    events = [_event("issue", "accepted", 200, 0), _event("valid_use", "accepted", 200, 0.1)]
    if second:
        events.append(_event("cross_audience", second[0], second[1], 0.2))
    if revoke:
        status_code = 403 if revoke == "rejected" else 200
        events.append(_event("after_revoke", revoke, status_code, 1.0, revoked_after_expiry))
    if replay:
        events.append(_event("expired_replay", replay[0], replay[1], (lifetime or 0) + 5))
    return ProbeRecord(
        target=target,
        kind=kind,  # type: ignore[arg-type]
        principal="svc-orders-sync",
        resource=f"https://{target}.example.com/",
        started_at="2026-11-25T06:30:00.000+00:00",
        status=status,  # type: ignore[arg-type]
        error_code=None if status == "ok" else "ValidTokenNotAccepted",
        message=None if status == "ok" else "HTTP 500",
        second_resource="https://other.example.com/" if second else None,
        max_lifetime_seconds=3600.0,
        revocation_configured=revoke is not None,
        stated_lifetime_seconds=lifetime,
        events=events,
    )


def evaluate(records: list[ProbeRecord], configured: list[ConfiguredTarget] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [(r, f"{r.target}/token_probes.json", SHA) for r in records]
    table = probe_table(rows, configured, "20261125T063000Z-0a1b2c3d")
    result = evaluate_probes(
        table, load_suites(), probe_run_id="20261125T063000Z-0a1b2c3d", partition_date="2026-11-25"
    )
    return result.findings, result.rule_results


def verdict(results: pd.DataFrame, rule_id: str, target: str) -> str:
    row = results[(results["rule_id"] == rule_id) & (results["account_id"] == f"probe:{target}")]
    assert len(row) == 1, f"{rule_id} has {len(row)} results for {target}"
    return str(row["status"].iat[0])


@pytest.fixture(scope="module")
def judged() -> tuple[pd.DataFrame, pd.DataFrame]:
    return evaluate(
        [
            record("honest"),
            record("planted", replay=("accepted", 200)),
            record("broken", replay=None, status="error"),
            record("long", lifetime=86400.0),
            record("crossed", second=("accepted", 200)),
            record("scoped", second=("rejected", 401)),
            record("revoked", revoke="rejected"),
            record("unrevoked", revoke="accepted"),
            record("revoked-too-late", revoke="rejected", revoked_after_expiry=0.4),
            record("revoked-expiry-unknown", revoke="rejected", revoked_after_expiry=None),
            record("flaky", replay=("error", 502)),
        ],
        [ConfiguredTarget("never-ran", "oauth2", "svc", "https://never.example.com/", 3600.0, audience_check=True)],
    )


def test_expired_token_refused_passes(judged) -> None:
    assert verdict(judged[1], "NHI-PRB-001", "honest") == "PASS"


def test_expired_token_accepted_fails_with_a_traced_finding(judged) -> None:
    findings, results = judged
    assert verdict(results, "NHI-PRB-001", "planted") == "FAIL"
    (finding,) = findings[findings["rule_id"] == "NHI-PRB-001"].to_dict("records")
    assert finding["resource_arn"] == "https://planted.example.com/"
    assert finding["identity_arn"] == "svc-orders-sync"
    assert (finding["source_file"], finding["source_sha256"]) == ("planted/token_probes.json", SHA)
    assert finding["snapshot_id"] == "20261125T063000Z-0a1b2c3d"
    assert "HTTP 200" in finding["observed"]


def test_probe_that_could_not_replay_is_incomplete_not_pass(judged) -> None:
    findings, results = judged
    assert verdict(results, "NHI-PRB-001", "broken") == "INCOMPLETE"
    assert "broken" not in set(findings["resource_arn"].str.extract(r"//(\w+)")[0])


def test_replay_answered_with_a_server_error_is_incomplete(judged) -> None:
    assert verdict(judged[1], "NHI-PRB-001", "flaky") == "INCOMPLETE"


def test_lifetime_is_still_judged_when_the_replay_could_not_be(judged) -> None:
    assert verdict(judged[1], "NHI-PRB-002", "broken") == "PASS"


def test_lifetime_over_the_configured_maximum_fails(judged) -> None:
    assert verdict(judged[1], "NHI-PRB-002", "long") == "FAIL"
    assert verdict(judged[1], "NHI-PRB-002", "honest") == "PASS"


def test_audience_rule_applies_only_where_a_second_resource_is_configured(judged) -> None:
    results = judged[1]
    assert verdict(results, "NHI-PRB-003", "crossed") == "FAIL"
    assert verdict(results, "NHI-PRB-003", "scoped") == "PASS"
    assert "probe:honest" not in set(results[results["rule_id"] == "NHI-PRB-003"]["account_id"])


def test_revocation_rule_applies_only_where_the_revocation_probe_is_enabled(judged) -> None:
    results = judged[1]
    assert verdict(results, "NHI-PRB-004", "revoked") == "PASS"
    assert verdict(results, "NHI-PRB-004", "unrevoked") == "FAIL"
    enabled = {"probe:revoked", "probe:unrevoked", "probe:revoked-too-late", "probe:revoked-expiry-unknown"}
    assert set(results[results["rule_id"] == "NHI-PRB-004"]["account_id"]) == enabled


def test_configured_target_without_a_stored_run_is_incomplete_for_every_rule_it_is_under(judged) -> None:
    results = judged[1]
    mine = results[results["account_id"] == "probe:never-ran"]
    assert set(mine["rule_id"]) == {"NHI-PRB-001", "NHI-PRB-002", "NHI-PRB-003"}
    assert set(mine["status"]) == {"INCOMPLETE"}
    assert set(mine["missing_sources"]) == {"token_probes"}


def test_no_configured_probes_leaves_every_probe_rule_incomplete_and_says_why() -> None:
    findings, results = evaluate([])
    assert findings.empty
    assert sorted(results["rule_id"]) == ["NHI-PRB-001", "NHI-PRB-002", "NHI-PRB-003", "NHI-PRB-004"]
    assert set(results["status"]) == {"INCOMPLETE"}
    assert set(results["account_id"]) == {"probe:*"}
    assert set(results["reason"]) == {"no probe targets are configured (a probes: section, docs/probes.md)"}


def test_revocation_rule_with_no_revocation_probe_configured_is_incomplete_naming_the_probes() -> None:
    _, results = evaluate([record("honest"), record("planted", replay=("accepted", 200))])
    (row,) = results[results["rule_id"] == "NHI-PRB-004"].to_dict("records")
    assert (row["account_id"], row["status"], row["evaluated"]) == ("probe:*", "INCOMPLETE", 0)
    assert row["reason"] == (
        "no probe target enables a revocation probe (revocation_probe: true for STS, revocation: true for OAuth2), "
        "so no revocation probe was configured (probes: honest, planted)"
    )


def test_a_revoked_token_refused_only_after_it_expired_is_incomplete(judged) -> None:
    """The refusal may be the expiry's: it proves nothing about revocation, so the rule cannot pass."""
    assert verdict(judged[1], "NHI-PRB-004", "revoked") == "PASS"
    assert verdict(judged[1], "NHI-PRB-004", "revoked-too-late") == "INCOMPLETE"


def test_a_revoked_token_of_unknown_expiry_refused_is_incomplete(judged) -> None:
    """No `exp`, no `expires_in`: nothing shows the refusal came before the token simply expired."""
    assert verdict(judged[1], "NHI-PRB-004", "revoked-expiry-unknown") == "INCOMPLETE"
