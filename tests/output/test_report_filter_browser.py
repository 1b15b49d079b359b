"""The account/OU filter in headless Chromium: choosing an account or an OU hides the other rows and says how
many; without JavaScript nothing is hidden. The page's Content-Security-Policy must let exactly this script run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_report_browser import _NO_CHROMIUM, CHROMIUM, browser  # noqa: F401  (the shared browser fixture)

from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import ACCOUNT, finding, identity, make_bundle, rule_result

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.is_file(), reason=_NO_CHROMIUM)]
NESTED, SANDBOX = "345678901234", "456789012345"
RECORDS = [
    {"account_id": ACCOUNT, "name": "payments", "ou_path": "Root/prod", "collection": "complete"},
    {"account_id": NESTED, "name": "ledger", "ou_path": "Root/prod/payments", "collection": "complete"},
    {"account_id": SANDBOX, "name": "sandbox", "ou_path": "Root/dev", "collection": "complete"},
]


@pytest.fixture(scope="module")
def rule_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rule with one finding in each of three accounts, in three OUs (one nested under another)."""
    bots = [identity("bot", "user", account=record["account_id"]) for record in RECORDS]
    bundle = make_bundle(
        identities=bots,
        findings=[finding("NHI-ROT-001", f"{bot['arn']}#access_key_1", bot["arn"]) for bot in bots],
        rule_results=[rule_result("NHI-ROT-001", "FAIL", account=r["account_id"]) for r in RECORDS],
        account_status=RECORDS,
    )
    out = tmp_path_factory.mktemp("org-report")
    render_report(bundle, out)
    return out / "rules" / "NHI-ROT-001.html"


@pytest.fixture(scope="module")
def summary_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """INCOMPLETE scopes in two accounts, plus a rule evaluated nowhere (`*`) and a probe rule with no target in
    its scope (`probe:*`): the last two belong to no single account."""
    bundle = make_bundle(
        rule_results=[
            rule_result("NHI-ROT-001", "INCOMPLETE", account=ACCOUNT, missing_sources="secrets"),
            rule_result("NHI-ROT-001", "INCOMPLETE", account=NESTED, missing_sources="secrets"),
            rule_result("NHI-ROT-003", "INCOMPLETE", account="*", missing_sources="secrets"),
            rule_result("NHI-EXP-001", "INCOMPLETE", account="probe:*", missing_sources="token_probes"),
        ],
        account_status=RECORDS,
    )
    out = tmp_path_factory.mktemp("org-summary")
    render_report(bundle, out)
    return out / "index.html"


def open_page(browser: Any, path: Path, javascript: bool = True) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(java_script_enabled=javascript, offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(path.as_uri())
    yield page
    context.close()
    assert errors == []  # a CSP refusal of the script would be reported here


def visible_accounts(page: Any) -> list[str]:
    rows = page.locator("table.f tr[data-account]")
    return sorted(rows.nth(i).get_attribute("data-account") for i in range(rows.count()) if rows.nth(i).is_visible())


def test_choosing_an_account_hides_the_other_accounts_rows_and_says_how_many(browser: Any, rule_page: Path) -> None:  # noqa: F811
    for page in open_page(browser, rule_page):
        assert page.locator("#row-filter").is_visible()
        page.select_option("#filter-account", NESTED)
        assert visible_accounts(page) == [NESTED]
        # two findings and two scope rows ("Scopes evaluated") of the other accounts
        assert page.locator("#filter-hidden").inner_text() == "4 of 6 rows on this page hidden by the filter"
        page.select_option("#filter-account", "")
        assert visible_accounts(page) == sorted(r["account_id"] for r in RECORDS)
        assert page.locator("#filter-hidden").inner_text() == ""


def test_choosing_an_ou_keeps_the_accounts_of_the_ous_below_it(browser: Any, rule_page: Path) -> None:  # noqa: F811
    for page in open_page(browser, rule_page):
        page.select_option("#filter-ou", "Root/prod")
        assert visible_accounts(page) == sorted([ACCOUNT, NESTED])
        group_heads = page.locator("table.f tr.grp")
        shown = [group_heads.nth(i).inner_text() for i in range(group_heads.count()) if group_heads.nth(i).is_visible()]
        assert len(shown) == 2 and all(SANDBOX not in head for head in shown)


def test_without_javascript_every_row_shows_and_the_filter_does_not(browser: Any, rule_page: Path) -> None:  # noqa: F811
    for page in open_page(browser, rule_page, javascript=False):
        assert not page.locator("#row-filter").is_visible()
        assert visible_accounts(page) == sorted(r["account_id"] for r in RECORDS)


def visible_incomplete_scopes(page: Any) -> list[str]:
    """The account cell of each row of the summary's INCOMPLETE scopes list that is shown."""
    rows = page.locator("#incomplete-scopes tr[data-account]")
    shown = [rows.nth(i) for i in range(rows.count()) if rows.nth(i).is_visible()]
    return sorted(row.locator("td").nth(1).inner_text() for row in shown)


def test_rows_of_no_single_account_stay_listed_whichever_account_or_ou_is_chosen(
    browser: Any,  # noqa: F811
    summary_page: Path,
) -> None:
    for page in open_page(browser, summary_page):
        page.select_option("#filter-account", NESTED)
        assert visible_incomplete_scopes(page) == sorted([NESTED, "*", "probe:*"])
        page.select_option("#filter-account", "")
        page.select_option("#filter-ou", "Root/dev")
        assert visible_incomplete_scopes(page) == sorted(["*", "probe:*"])
