"""Control requests come first: a resource that accepts a request with no token, or with a garbage token, proves
nothing about tokens, so every verdict of that target is INCOMPLETE and the reason names the target."""

from __future__ import annotations

import pytest
from probe_fixtures import CLIENT_ID, CLIENT_SECRET, SECRET_ENV, judge, oauth2_target, run_targets

from assurance_jobs.demo.token_issuer import LocalIssuer, ResourceServer, running
from assurance_jobs.probes.record import ProbeRecord
from assurance_jobs.scan.probe_table import probe_table


@pytest.fixture(scope="module")
def control_run() -> tuple[dict[str, ProbeRecord], LocalIssuer]:
    issuer = LocalIssuer(lifetime_seconds=2, clients={CLIENT_ID: CLIENT_SECRET})
    public = ResourceServer(issuer, "orders-api", public=True)
    validates_nothing = ResourceServer(issuer, "orders-api", accept_any_token=True)
    honest = ResourceServer(issuer, "orders-api")
    with pytest.MonkeyPatch.context() as patch, running(issuer, public, validates_nothing, honest):
        patch.setenv(SECRET_ENV, CLIENT_SECRET)
        endpoint, audience = issuer.token_endpoint, "orders-api"
        records = run_targets(
            [
                oauth2_target("public-route", endpoint, public.url, audience=audience),
                oauth2_target("any-token", endpoint, validates_nothing.url, audience=audience),
                oauth2_target("public-second", endpoint, honest.url, audience=audience, second_resource_url=public.url),
                oauth2_target("authenticated", endpoint, honest.url, audience=audience),
            ]
        )
    return records, issuer


def test_a_route_answering_without_a_token_makes_every_verdict_incomplete(control_run) -> None:
    records, _ = control_run
    verdicts, _ = judge(records)
    assert {verdicts[(rule, "public-route")] for rule in ("NHI-PRB-001", "NHI-PRB-002")} == {"INCOMPLETE"}


def test_a_route_accepting_a_garbage_token_makes_every_verdict_incomplete(control_run) -> None:
    records, _ = control_run
    verdicts, _ = judge(records)
    assert records["any-token"].events[-1].phase == "control_garbage_token"
    assert {verdicts[(rule, "any-token")] for rule in ("NHI-PRB-001", "NHI-PRB-002")} == {"INCOMPLETE"}


def test_a_public_second_resource_makes_the_target_incomplete(control_run) -> None:
    records, _ = control_run
    verdicts, _ = judge(records)
    assert verdicts[("NHI-PRB-003", "public-second")] == "INCOMPLETE"


def test_the_reason_names_the_misconfigured_target_and_field(control_run) -> None:
    records, _ = control_run
    table = probe_table([(records["public-route"], "public-route/token_probes.json", "0" * 64)], [], "run")
    reason = table["incomplete_reason"].iat[0]
    assert reason.startswith("ControlRequestAccepted: probe target public-route: resource_url ")
    assert "with no token" in reason


def test_no_token_is_requested_for_a_misconfigured_target(control_run) -> None:
    records, issuer = control_run
    assert records["public-route"].token_fingerprint is None
    assert len(issuer.issued) == 1  # only the authenticated target's token


def test_an_authenticated_route_is_judged(control_run) -> None:
    records, _ = control_run
    verdicts, _ = judge(records)
    events = records["authenticated"].events
    controls = [(e.phase, e.outcome, e.status) for e in events if e.phase.startswith("control")]
    assert controls == [("control_no_token", "rejected", 401), ("control_garbage_token", "rejected", 401)]
    assert verdicts[("NHI-PRB-001", "authenticated")] == "PASS"
