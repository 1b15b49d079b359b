"""Every value from the estate is untrusted: pages show seeded markup only escaped, and load nothing remote."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from assurance_jobs.output.catalogue import load_catalogue
from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import ACCOUNT, finding, identity, make_bundle, rule_result
from assurance_jobs.output.waivers import Waiver, apply_waivers

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = "\"'><img src=x onerror=alert(1)>"
RAW_MARKERS = ("<script>alert", "<img src=x", "\"'><img")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    name = f"app{SCRIPT}"
    evil = identity(
        name,
        tags=f'{{"team": "{ATTRIBUTE}", "{SCRIPT}": "x"}}',
        owner=f"{ATTRIBUTE}@example.com",
        classification_reason=f"tag says {SCRIPT}",
        trust_policy=f'{{"Statement": [{{"Principal": "{SCRIPT}", "Condition": "{ATTRIBUTE}"}}]}}',
    )
    arn = evil["arn"]
    rows = [
        finding("NHI-LP-004", arn, observed=ATTRIBUTE),
        finding("NHI-OFF-003", arn, observed=SCRIPT),
        finding("NHI-ROT-001", f"{arn}/access_key_1", arn),
    ]
    waivers = [
        Waiver(
            rule_id="NHI-OFF-003",
            resource=f"*{SCRIPT}*",
            justification=ATTRIBUTE,
            approver=SCRIPT,
            expires=date(2027, 1, 1),
        )
    ]
    bundle = make_bundle(
        identities=[evil],
        findings=apply_waivers(make_bundle(findings=rows).findings, waivers, date(2026, 11, 25)),
        rule_results=[
            rule_result("NHI-LP-004", "FAIL"),
            rule_result("NHI-ROT-003", "INCOMPLETE", missing_sources=SCRIPT),
        ],
        credentials=[{"owner_arn": arn, "credential_id": f"{arn}/access_key_1", "kind": "access_key", "active": True}],
        collection_status=[
            {
                "account_id": ACCOUNT,
                "source": "secretsmanager_secrets",
                "api": "x",
                "region": "eu-west-1",
                "status": "error",
                "error_code": ATTRIBUTE,
            }
        ],
        waivers=waivers,
        previous_findings=make_bundle(findings=[finding("NHI-LP-002", arn, observed=SCRIPT)]).findings,
        catalogue=load_catalogue(),
    )
    out = tmp_path_factory.mktemp("report")
    render_report(bundle, out)
    return out


def pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def test_seeded_payloads_appear_only_escaped_on_every_page(report: Path) -> None:
    offending = [
        (str(page.relative_to(report)), marker)
        for page in pages(report)
        for marker in RAW_MARKERS
        if marker in page.read_text(encoding="utf-8")
    ]
    assert offending == []


def test_payloads_really_reach_the_pages_escaped(report: Path) -> None:
    text = "".join(page.read_text(encoding="utf-8") for page in pages(report))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_trust_policy_text_is_shown_escaped_for_an_identity_failing_a_trust_rule(report: Path) -> None:
    identity_pages = "".join(p.read_text(encoding="utf-8") for p in (report / "ids").glob("*.html"))
    assert "&#34;Principal&#34;: &#34;&lt;script&gt;" in identity_pages


def test_pages_reference_no_external_resource(report: Path) -> None:
    fetching_tag = re.compile(r"<(?:script|link|img|iframe|object|embed|image|use)\b|<[a-z][^>]*\ssrc=", re.IGNORECASE)
    found = {
        str(page.relative_to(report))
        for page in pages(report)
        if fetching_tag.search(text := page.read_text(encoding="utf-8")) or "url(" in text
    }
    assert found == set()


def test_every_page_forbids_scripts_with_a_content_security_policy(report: Path) -> None:
    missing = [
        p.name for p in pages(report) if "Content-Security-Policy\" content=\"default-src 'none'" not in p.read_text()
    ]
    assert missing == []
