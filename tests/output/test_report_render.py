"""The rendered report: deterministic, honest about missing evidence, paginated, and linked up."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from assurance_jobs.output.bundle import Evidence, EvidenceFile, HistoryPoint
from assurance_jobs.output.catalogue import load_catalogue
from assurance_jobs.output.html import PAGE_GROUPS, render_index, render_report
from assurance_jobs.output.synthetic import ACCOUNT, AS_OF, finding, identity, make_bundle, rule_meta, rule_result
from assurance_jobs.output.trend import _svg_for, trend_rows, trend_spec, trend_svg
from assurance_jobs.output.views import identity_href
from assurance_jobs.output.waivers import Waiver, apply_waivers

APP = identity("app")
BATCH = identity("batch")


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read(root: Path, relative: str) -> str:
    return (root / relative).read_text(encoding="utf-8")


def full_bundle():
    rows = [
        finding("NHI-LP-001", APP["arn"]),
        finding("NHI-OFF-003", BATCH["arn"]),
        finding("NHI-LP-002", BATCH["arn"]),
    ]
    waivers = [
        Waiver(
            rule_id="NHI-OFF-003",
            resource="*batch",
            justification="owner being hired",
            approver="ciso",
            expires=date(2027, 1, 1),
        ),
        Waiver(
            rule_id="NHI-LP-002", resource="*batch", justification="legacy", approver="cto", expires=date(2026, 1, 1)
        ),
    ]
    findings = apply_waivers(make_bundle(findings=rows).findings, waivers, AS_OF.date())
    return make_bundle(
        identities=[APP, BATCH],
        findings=findings,
        rule_results=[rule_result(r, "FAIL") for r in ("NHI-LP-001", "NHI-OFF-003", "NHI-LP-002")]
        + [rule_result("NHI-ROT-003", "INCOMPLETE", region="eu-west-1", missing_sources="secretsmanager_secrets")],
        waivers=waivers,
        catalogue=load_catalogue(),
        previous_findings=make_bundle(
            findings=[finding("NHI-LP-001", APP["arn"]), finding("NHI-EXP-001", APP["arn"])]
        ).findings,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    render_report(full_bundle(), out)
    return out


def test_rendering_twice_gives_byte_identical_files(report: Path, tmp_path: Path) -> None:
    render_report(full_bundle(), tmp_path)
    assert digests(tmp_path) == digests(report)


def test_render_returns_the_summary_page(tmp_path: Path) -> None:
    assert render_report(make_bundle(), tmp_path) == tmp_path / "index.html"


def test_summary_names_each_incomplete_scope_in_the_banner(report: Path) -> None:
    banner = read(report, "index.html").split('id="evidence-status"')[1].split("</div>")[0]
    assert "EVIDENCE INCOMPLETE" in banner
    assert re.search(r"NHI-ROT-003</a></td><td><code>123456789012</code></td><td>eu-west-1</td>", banner)


def test_incomplete_rule_is_never_shown_as_pass(report: Path) -> None:
    row = re.search(r"NHI-ROT-003</a></td>.*?</tr>", read(report, "index.html").split('id="rules"')[1]).group(0)
    assert "INCOMPLETE" in row and ">PASS<" not in row


def test_summary_says_evidence_complete_only_when_nothing_is_missing(tmp_path: Path) -> None:
    render_report(make_bundle(rule_results=[rule_result("NHI-LP-001", "PASS")]), tmp_path)
    assert "Evidence complete" in read(tmp_path, "index.html")
    assert "EVIDENCE INCOMPLETE" not in read(tmp_path, "index.html")


def test_failed_collection_call_makes_the_banner_incomplete(tmp_path: Path) -> None:
    status = [
        {"account_id": ACCOUNT, "source": "iam_roles", "api": "iam:ListRoles", "region": None, "status": "partial"}
    ]
    render_report(make_bundle(collection_status=status), tmp_path)
    assert re.search(r"EVIDENCE INCOMPLETE.*iam:ListRoles.*PARTIAL", read(tmp_path, "index.html"), re.S)


def control_section(root: Path, framework: str, control_id: str) -> str:
    page = read(root, f"frameworks/{framework}.html")
    return page.split(f'id="c-{control_id}"')[1].split("</section>")[0]


def framework_bundle(status: str, **overrides):
    rules = [
        rule_meta(
            "NHI-LP-001", "least_privilege", "critical", "identities", "Admin", controls={"nist-800-53r5": ["AC-6"]}
        )
    ]
    found = [finding("NHI-LP-001", APP["arn"])] if status == "FAIL" else []
    return make_bundle(
        identities=[APP],
        findings=found,
        rule_results=[rule_result("NHI-LP-001", status)],
        rules=rules,
        catalogue=load_catalogue(),
        **overrides,
    )


def test_control_behind_a_failing_rule_shows_fail_with_the_failing_identity(tmp_path: Path) -> None:
    render_report(framework_bundle("FAIL"), tmp_path)
    section = control_section(tmp_path, "nist-800-53r5", "AC-6")
    assert 'class="st st-FAIL"' in section and APP["arn"] in section and "NHI-LP-001" in section


def test_control_behind_only_incomplete_rules_shows_incomplete(tmp_path: Path) -> None:
    render_report(framework_bundle("INCOMPLETE"), tmp_path)
    assert '<span class="st st-INCOMPLETE">INCOMPLETE</span></h3>' in control_section(tmp_path, "nist-800-53r5", "AC-6")


def test_control_without_rules_is_shown_as_not_covered_by_automation(tmp_path: Path) -> None:
    render_report(framework_bundle("PASS"), tmp_path)
    assert "not covered by automation</span></h3>" in control_section(tmp_path, "nist-800-53r5", "AC-2")


def test_800_63b_page_says_it_is_applied_by_analogy(report: Path) -> None:
    assert "Applied by analogy." in read(report, "frameworks/nist-800-63b.html")


def test_800_207_page_lists_tenets(report: Path) -> None:
    page = read(report, "frameworks/nist-800-207.html")
    assert "Tenets, not controls." in page and 'id="c-7"' in page


def test_control_link_leads_to_the_identitys_own_page(report: Path) -> None:
    href = re.search(
        r'href="\.\./(ids/[^"]+\.html)"><code>' + re.escape(APP["arn"]),
        read(report, "frameworks/nist-800-53r5.html"),
    )
    assert f'<h1 class="arn">{APP["arn"]}</h1>' in read(report, href.group(1))


def test_waived_findings_are_listed_separately_with_justification_and_approver(report: Path) -> None:
    waived = read(report, "waived.html")
    assert "NHI-OFF-003" in waived and "owner being hired" in waived and "ciso" in waived and "2027-01-01" in waived
    assert "role/batch" not in read(report, "rules/NHI-OFF-003.html").split("<h2>Findings</h2>")[1]


def test_expired_waiver_reopens_its_finding_and_is_listed(report: Path) -> None:
    assert "legacy" in read(report, "waivers.html").split('id="expired"')[1].split("<h2>")[0]
    assert "WAIVER EXPIRED" in read(report, "reopened.html")
    assert "WAIVER EXPIRED" in read(report, "rules/NHI-LP-002.html")


def test_changes_list_new_and_resolved_findings(report: Path) -> None:
    assert "NHI-OFF-003" in read(report, "changes-new.html") and "NHI-LP-001" not in read(report, "changes-new.html")
    assert "NHI-EXP-001" in read(report, "changes-resolved.html")


def test_without_a_previous_partition_nothing_is_called_new(tmp_path: Path) -> None:
    render_report(make_bundle(findings=[finding("NHI-LP-001", APP["arn"])]), tmp_path)
    assert "No earlier day is stored" in read(tmp_path, "changes.html")


def test_identity_page_shows_owner_classification_and_findings(report: Path) -> None:
    text = read(report, identity_href(APP["arn"]))
    assert "team@example.com" in text and "non-human — no human marker" in text and "NHI-LP-001" in text


def test_findings_tables_are_paginated(tmp_path: Path) -> None:
    roles = [identity(f"r{i:02d}") for i in range(7)]
    render_report(
        make_bundle(identities=roles, findings=[finding("NHI-LP-001", r["arn"]) for r in roles]), tmp_path, page_size=3
    )
    rule_pages = sorted(p.name for p in (tmp_path / "rules").glob("NHI-LP-001*.html"))
    assert rule_pages == ["NHI-LP-001-p2.html", "NHI-LP-001-p3.html", "NHI-LP-001.html"]
    assert read(tmp_path, "rules/NHI-LP-001-p3.html").count("<tr><td><a href=") == 1
    assert 'href="NHI-LP-001-p2.html"' in read(tmp_path, "rules/NHI-LP-001.html")


PUBLISHED_BESIDE = {"findings.json", "findings.csv", "findings.ocsf.json", "assessment-results.oscal.json"}
PUBLISHED_BESIDE |= {"provenance.json", "SHA256SUMS", "SHA256SUMS.sig"}
"""What publishing writes beside the pages (render_report alone does not): the demo's crawl test follows those."""


def test_every_relative_link_points_at_a_written_file(report: Path) -> None:
    """Within the day's folder; links out of it (the index across days, other days) are the crawl test's
    (tests/app/test_report_navigation.py), over a published demo."""
    broken = set()
    for page in report.rglob("*.html"):
        for target in re.findall(r'href="([^"#:]+)(?:#[^"]*)?"', page.read_text()):
            resolved = (page.parent / target).resolve()
            if not resolved.is_relative_to(report.resolve()) or resolved.name in PUBLISHED_BESIDE:
                continue
            if not resolved.is_file():
                broken.add((str(page.relative_to(report)), target))
    assert broken == set()


def test_evidence_appendix_lists_digests_tool_version_and_run_id(report: Path) -> None:
    page = read(report, "evidence.html")
    assert "a" * 64 in page and "0.1.0" in page and "run-0001" in page


def test_index_across_dates_links_each_day_newest_first(tmp_path: Path) -> None:
    for day in ("2026-11-24", "2026-11-25"):
        render_report(make_bundle(), tmp_path / day)
    index = render_index(tmp_path, [date(2026, 11, 24), "2026-11-25"])
    links = re.findall(r'href="([^"]+)"', index.read_text())
    assert links == ["2026-11-25/index.html", "2026-11-24/index.html"]


def test_trend_chart_svg_is_byte_stable_and_inline(tmp_path: Path) -> None:
    start = AS_OF.date() - timedelta(days=2)
    history = [HistoryPoint(start + timedelta(days=d), {"rotation": d, "offboarding": 3 - d}) for d in range(3)]
    spec = trend_spec(trend_rows(history))
    import json

    first = _svg_for.__wrapped__(json.dumps(spec, sort_keys=True))
    assert first == _svg_for.__wrapped__(json.dumps(spec, sort_keys=True))
    render_report(make_bundle(history=history), tmp_path)
    assert first in read(tmp_path, "index.html") and first.startswith("<svg")


def test_banner_separates_sources_that_could_not_be_collected_from_inputs_not_configured(tmp_path: Path) -> None:
    status = [
        {
            "account_id": ACCOUNT,
            "source": "secretsmanager_secrets",
            "api": "secretsmanager:ListSecrets",
            "region": "eu-west-1",
            "status": "throttled",
            "error_code": "ThrottlingException",
        }
    ]
    results = [
        rule_result("NHI-ROT-003", "INCOMPLETE", region="eu-west-1", missing_sources="secretsmanager_secrets"),
        rule_result("NHI-OFF-004", "INCOMPLETE", missing_sources="directory_feed"),
    ]
    render_report(make_bundle(rule_results=results, collection_status=status), tmp_path)
    banner = read(tmp_path, "index.html").split('id="evidence-status"')[1].split("</div>")[0]
    could_not = banner.split('id="could-not-collect"')[1].split('id="not-configured"')[0]
    not_configured = banner.split('id="not-configured"')[1].split("<h3>")[0]
    assert "ThrottlingException" in could_not and "NHI-ROT-003" in could_not and "NHI-OFF-004" not in could_not
    assert "directory_feed" in not_configured and "NHI-OFF-004" in not_configured
    assert "NHI-ROT-003" not in not_configured


def test_trend_legend_names_families_as_readers_do() -> None:
    start = AS_OF.date() - timedelta(days=1)
    history = [HistoryPoint(start + timedelta(days=d), {"least_privilege": d}) for d in range(2)]
    svg = trend_svg(history)
    assert ">least privilege<" in svg and "least_privilege" not in svg


def test_evidence_appendix_lists_files_relative_to_the_snapshot_folder_named_once(tmp_path: Path) -> None:
    root = "/srv/assurance/data/snapshots/2026-11-25/20261125T060000Z-1a2b3c4d"
    evidence = Evidence(
        snapshot_id="20261125T060000Z-1a2b3c4d",
        files=(EvidenceFile(f"{root}/{ACCOUNT}/iam_roles.json", "b" * 64, 10),),
        roots=(("snapshot", root),),
    )
    render_report(make_bundle(evidence=evidence), tmp_path)
    page = read(tmp_path, "evidence.html")
    row = re.search(r'<tr id="f-bbbbbbbbbbbb">.*?</tr>', page).group(0)
    assert f"<code>{ACCOUNT}/iam_roles.json</code>" in row and root not in row
    assert page.count(root) == 1


def test_rendering_reports_each_page_group_as_it_is_written(tmp_path: Path) -> None:
    heard: list[tuple[int, int, str]] = []
    render_report(make_bundle(), tmp_path, on_group=lambda done, total, group: heard.append((done, total, group)))
    assert [done for done, _, _ in heard] == list(range(1, len(PAGE_GROUPS) + 1))
    assert {total for _, total, _ in heard} == {len(PAGE_GROUPS)}
    assert [group for _, _, group in heard] == list(PAGE_GROUPS)
