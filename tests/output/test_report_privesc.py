"""The identity page shows an identity's escalation path (LP-003's observed value) and its blast radius."""

from __future__ import annotations

from pathlib import Path

from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import finding, identity, make_bundle, rule_result

PATH = "svc-ci → assume role/deployer (trusts account root) → iam:AttachRolePolicy → admin"


def test_identity_page_shows_the_path_and_how_many_principals_can_reach_it(tmp_path: Path) -> None:
    ci = identity("svc-ci", "user")
    deployer = identity("deployer", privesc_reachable_by=ci["arn"], privesc_reachable_by_count=1)
    row = finding("NHI-LP-003", ci["arn"])
    row["observed"] = PATH
    render_report(
        make_bundle(identities=[ci, deployer], findings=[row], rule_results=[rule_result("NHI-LP-003", "FAIL")]),
        tmp_path,
    )
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "ids").glob("*.html"))
    assert PATH in pages
    assert "1 principal can escalate to it" in pages
