"""The summary page lists every account of an organization scan with its OU, collection state and counts, and
the report's pages can be filtered by account and OU."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from assurance_jobs.output.catalogue import load_catalogue
from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import ACCOUNT, finding, identity, make_bundle, rule_result

SUSPENDED = "210987654321"
RECORDS = [
    {
        "account_id": ACCOUNT,
        "name": "payments",
        "ou_path": "Root/prod",
        "collection": "complete",
        "carried_over_from": "20261125T050000Z-0a0b0c0d",
    },
    {
        "account_id": SUSPENDED,
        "name": "old-<app>",
        "ou_path": "Root/prod",
        "collection": "suspended",
        "carried_over_from": None,
    },
]


def summary(tmp_path: Path, **overrides: object) -> str:
    bot = identity("bot", "user")
    bundle = make_bundle(
        identities=[bot, identity("task")],
        findings=[finding("NHI-ROT-001", f"{bot['arn']}#access_key_1", bot["arn"], account_id=ACCOUNT)],
        rule_results=[rule_result("NHI-ROT-001", "FAIL"), rule_result("NHI-ROT-001", "INCOMPLETE", account=SUSPENDED)],
        **overrides,
    )
    render_report(bundle, tmp_path)
    return (tmp_path / "index.html").read_text()


def account_row(page: str, account: str) -> str:
    match = re.search(rf'<tr data-account="{account}" data-ou=[^>]*><td><code>{account}</code>.*?</tr>', page)
    assert match, f"no row for {account}"
    return match.group(0)


def test_each_account_row_shows_its_counts_and_where_it_was_carried_from(tmp_path: Path) -> None:
    row = account_row(summary(tmp_path, account_status=RECORDS), ACCOUNT)
    cells = re.findall(r'<td class="n">(\d+)</td>', row)
    assert cells == ["2", "0", "1", "0"]  # identities, credentials, open findings, incomplete scopes
    assert "20261125T050000Z-0a0b0c0d" in row


def test_a_suspended_account_is_marked_incomplete_and_its_name_escaped(tmp_path: Path) -> None:
    row = account_row(summary(tmp_path, account_status=RECORDS), SUSPENDED)
    assert "st-INCOMPLETE" in row and "SUSPENDED" in row
    assert "old-&lt;app&gt;" in row


def test_without_account_records_the_summary_has_no_account_table(tmp_path: Path) -> None:
    assert 'id="account-status"' not in summary(tmp_path)


NESTED = "345678901234"
NESTED_RECORD = {"account_id": NESTED, "name": "ledger", "ou_path": "Root/prod/payments", "collection": "complete"}
HOSTILE_OU = 'Root/"><script>alert(1)</script>'


def org_report(tmp_path: Path, records: list[dict] | None = None) -> Path:
    """Findings in two accounts of an organization (one in a nested OU), rendered to `tmp_path`."""
    bots = [identity("bot", "user"), identity("batch", "role", account=NESTED)]
    bundle = make_bundle(
        identities=bots,
        findings=[finding("NHI-ROT-001", f"{bot['arn']}#access_key_1", bot["arn"]) for bot in bots],
        rule_results=[rule_result("NHI-ROT-001", "FAIL"), rule_result("NHI-ROT-001", "FAIL", account=NESTED)],
        account_status=records if records is not None else [*RECORDS, NESTED_RECORD],
    )
    render_report(bundle, tmp_path)
    return tmp_path


def options(page: str, select: str) -> list[str]:
    match = re.search(rf'<select id="{select}">(.*?)</select>', page)
    assert match, f"no {select} control"
    return re.findall(r'<option value="([^"]*)">', match.group(1))


def test_the_filter_lists_each_account_and_each_ou_with_the_ous_above_it(tmp_path: Path) -> None:
    page = (org_report(tmp_path) / "index.html").read_text()
    assert options(page, "filter-account") == ["", ACCOUNT, SUSPENDED, NESTED]
    assert options(page, "filter-ou") == ["", "Root", "Root/prod", "Root/prod/payments"]


def test_every_finding_row_of_a_rule_page_carries_its_account_and_ou(tmp_path: Path) -> None:
    page = (org_report(tmp_path) / "rules" / "NHI-ROT-001.html").read_text()
    rows = re.findall(r"<tr data-account=\"(\d+)\" data-ou=\"([^\"]*)\"><td><a href=\"[^\"]*ids/", page)
    assert sorted(rows) == sorted([(ACCOUNT, "Root/prod"), (NESTED, "Root/prod/payments")])


def test_filter_values_from_the_estate_are_escaped_in_options_and_row_attributes(tmp_path: Path) -> None:
    records = [{**RECORDS[0], "ou_path": HOSTILE_OU}, {**NESTED_RECORD, "name": "<b>ledger</b>"}]
    root = org_report(tmp_path, records)
    for page in (root / "index.html", root / "rules" / "NHI-ROT-001.html"):
        text = page.read_text()
        assert "<script>alert" not in text and '"><script>' not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;ledger&lt;/b&gt;" in (root / "index.html").read_text()


def test_every_script_of_an_organization_report_is_inline_and_allowed_only_by_its_hash(tmp_path: Path) -> None:
    pages = {page.relative_to(tmp_path).as_posix(): page.read_text() for page in org_report(tmp_path).rglob("*.html")}
    scripted = {}
    for name, page in pages.items():
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
        for attributes, body in scripts:
            assert attributes == "", f"{name}: a script with attributes ({attributes.strip()})"
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'" in page
        scripted[name] = len(scripts)
    assert scripted["index.html"] == scripted["rules/NHI-ROT-001.html"] == 1
    assert scripted["evidence.html"] == 0 and "script-src" not in pages["evidence.html"]  # no filter there
    assert '<form class="filter" id="row-filter" hidden' in pages["index.html"]  # no JavaScript: every row shows


def test_a_one_account_report_has_no_filter_no_script_and_no_row_attributes(tmp_path: Path) -> None:
    page = summary(tmp_path)
    assert 'id="row-filter"' not in page and "<script" not in page and "script-src" not in page
    rule_page = (tmp_path / "rules" / "NHI-ROT-001.html").read_text()
    assert "data-account" not in rule_page  # ~45 bytes a row that nothing would read


EXCLUDED_RECORD = {"account_id": "567890123456", "name": "lab", "ou_path": "Root/lab", "collection": "excluded"}


def framework_report(tmp_path: Path) -> Path:
    """NHI-ROT-001 fails in one account, passes in another and is INCOMPLETE in the suspended one; one account
    is excluded by the configuration."""
    bot = identity("bot", "user")
    bundle = make_bundle(
        identities=[bot, identity("batch", "role", account=NESTED)],
        findings=[finding("NHI-ROT-001", f"{bot['arn']}#access_key_1", bot["arn"])],
        rule_results=[
            rule_result("NHI-ROT-001", "FAIL"),
            rule_result("NHI-ROT-001", "PASS", account=NESTED),
            rule_result("NHI-ROT-001", "INCOMPLETE", account=SUSPENDED),
        ],
        account_status=[*RECORDS, NESTED_RECORD, EXCLUDED_RECORD],
        catalogue=load_catalogue(),
    )
    render_report(bundle, tmp_path)
    return tmp_path


def breakdown(page: str, table: str) -> dict[str, list[str]]:
    """Account → its cells (after account and OU) in a per-account table."""
    body = re.search(rf'<table id="{table}">(.*?)</table>', page, re.DOTALL)
    assert body, f"no {table} table"
    rows = re.findall(r'<tr data-account="(\d+)" data-ou="[^"]*"><td>.*?</td><td>.*?</td>(.*?)</tr>', body.group(1))
    return {account: re.findall(r"<td[^>]*>(.*?)</td>", cells) for account, cells in rows}


def test_the_framework_page_gives_each_judged_accounts_own_verdicts_beside_the_organizations(tmp_path: Path) -> None:
    page = (framework_report(tmp_path) / "frameworks" / "nist-800-53r5.html").read_text()
    # columns: FAIL, INCOMPLETE, PASS (waived), PASS controls, open findings
    assert breakdown(page, "framework-accounts") == {
        ACCOUNT: ["1", "0", "0", "0", "1"],
        SUSPENDED: ["0", "1", "0", "0", "0"],
        NESTED: ["0", "0", "0", "1", "0"],
    }
    ac2 = re.search(r'<section class="ctl" id="c-AC-2">.*?</section>', page, re.DOTALL)
    assert ac2 and "st-FAIL" in ac2.group(0)  # the organization's verdict: failing in any account fails


def test_a_control_page_shows_the_control_in_each_account(tmp_path: Path) -> None:
    page = (framework_report(tmp_path) / "controls" / "nist-800-53r5" / "AC-2.html").read_text()
    cells = breakdown(page, "control-accounts")
    assert {account: (re.sub(r"<[^>]+>", "", row[0]), row[1:]) for account, row in cells.items()} == {
        ACCOUNT: ("FAIL", ["1", "1"]),
        SUSPENDED: ("INCOMPLETE", ["0", "0"]),
        NESTED: ("PASS", ["0", "0"]),
    }


PROBE = "probe:orders-api"
ORDERS_API = f"arn:aws:iam::{ACCOUNT}:role/orders-api"


def probe_finding() -> dict:
    """A probe's finding: its scope is the probe target, not an AWS account."""
    return finding("NHI-ROT-001", ORDERS_API, ORDERS_API, account_id=PROBE)


def test_a_probe_finding_does_not_turn_a_one_account_report_into_a_filtered_one(tmp_path: Path) -> None:
    bundle = make_bundle(
        identities=[identity("orders-api")],
        findings=[probe_finding()],
        rule_results=[rule_result("NHI-ROT-001", "FAIL", account=PROBE), rule_result("NHI-ROT-001", "PASS")],
    )
    render_report(bundle, tmp_path)
    for page in (tmp_path / "index.html", tmp_path / "rules" / "NHI-ROT-001.html"):
        text = page.read_text()
        assert 'id="row-filter"' not in text and "data-account" not in text


def probe_org_report(tmp_path: Path) -> Path:
    """Two AWS accounts, a probe target with a failing finding, and a rule evaluated nowhere (scope `*`)."""
    bot = identity("bot", "user")
    bundle = make_bundle(
        identities=[bot, identity("batch", "role", account=NESTED)],
        findings=[finding("NHI-ROT-001", f"{bot['arn']}#access_key_1", bot["arn"]), probe_finding()],
        rule_results=[
            rule_result("NHI-ROT-001", "FAIL"),
            rule_result("NHI-ROT-001", "PASS", account=NESTED),
            rule_result("NHI-ROT-001", "FAIL", account=PROBE),
            rule_result("NHI-ROT-003", "INCOMPLETE", account="*", missing_sources="secrets"),
        ],
        account_status=[RECORDS[0], NESTED_RECORD],
        catalogue=load_catalogue(),
    )
    render_report(bundle, tmp_path)
    return tmp_path


def test_the_framework_page_breaks_verdicts_down_by_aws_account_only_never_by_probe_target(tmp_path: Path) -> None:
    page = (probe_org_report(tmp_path) / "frameworks" / "nist-800-53r5.html").read_text()
    table = re.search(r'<table id="framework-accounts">(.*?)</table>', page, re.DOTALL)
    assert table and re.findall(r'<tr data-account="([^"]*)"', table.group(1)) == [ACCOUNT, NESTED]


def test_the_account_filter_offers_aws_accounts_only_never_a_probe_target_or_any_account(tmp_path: Path) -> None:
    page = (probe_org_report(tmp_path) / "index.html").read_text()
    assert options(page, "filter-account") == ["", ACCOUNT, NESTED]
