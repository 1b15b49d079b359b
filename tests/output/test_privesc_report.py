"""The identity page shows what NHI-LP-008 found (the latent path) and which methods an SCP takes away."""

from __future__ import annotations

from pathlib import Path

from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import finding, identity, make_bundle, rule_result

LATENT = "svc-ci → iam:PassRole+ec2:RunInstances — missing: a passable privileged role that trusts ec2.amazonaws.com"
BLOCKED = "iam:PassRole+ec2:RunInstances: iam:PassRole denied by SCP deny-passrole attached to ou-prod"


def _pages(tmp_path: Path, **facts: str) -> str:
    ci = identity("svc-ci", "user", **facts)
    row = finding("NHI-LP-008", ci["arn"])
    row["observed"] = LATENT
    bundle = make_bundle(identities=[ci], findings=[row], rule_results=[rule_result("NHI-LP-008", "FAIL")])
    render_report(bundle, tmp_path)
    return "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "ids").glob("*.html"))


def test_identity_page_shows_the_latent_escalation_and_what_is_missing(tmp_path: Path) -> None:
    assert LATENT in _pages(tmp_path, privesc_latent_path=LATENT)


def test_identity_page_names_the_scp_that_blocks_a_method(tmp_path: Path) -> None:
    assert BLOCKED in _pages(tmp_path, privesc_blocked=BLOCKED)
