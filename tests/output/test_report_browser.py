"""The demo report in headless Chromium: an auditor's path summary → framework → control → identity.

Every number the pages show along the way must agree with findings.json. Chromium comes from the distribution
(/usr/bin/chromium, installed by .ci/run); Playwright only drives it — no browser is ever downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest_demo import DemoRun, demo_run  # noqa: F401  (the shared fixture)

from assurance_jobs.config import load_config
from assurance_jobs.output.waivers import apply_waivers, load_waivers

CHROMIUM = Path("/usr/bin/chromium")
_NO_CHROMIUM = f"{CHROMIUM} is missing: install the distribution's chromium package (see .ci/run)"

# Outside CI a machine without Chromium skips at once, before the demo runs; in CI the fixture fails instead.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.is_file() and not os.environ.get("CI"), reason=_NO_CHROMIUM),
]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FRAMEWORK = "nist-800-53r5"


def _unavailable(reason: str) -> None:
    """In CI a missing browser is a broken build, not a skipped check."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser test must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        _unavailable(_NO_CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install playwright; never `playwright install`)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=True, offline=True)
    yield context.new_page()
    context.close()


def open_findings(run: DemoRun) -> list[dict[str, Any]]:
    """findings.json rows still open: it is written before waivers apply, so the demo's waiver file is applied."""
    findings = pd.DataFrame(run.findings())
    config = load_config(run.out / "assurance.yaml")
    if "waiver_status" not in findings.columns and config.waivers_file:
        findings = apply_waivers(findings, load_waivers(config.waivers_file), run.partition_date)
    statuses = findings.get("waiver_status", pd.Series("open", index=findings.index)).fillna("open")
    return findings.loc[statuses != "waived"].to_dict("records")


def failing_identities(run: DemoRun, rule_ids: set[str]) -> set[str]:
    return {f["identity_arn"] or f["resource_arn"] for f in open_findings(run) if f["rule_id"] in rule_ids}


def first_failing_control(page: Any) -> Any:
    controls = page.locator("section.ctl").filter(has=page.locator("ul.failing"))
    assert controls.count() > 0, "no control on the framework page lists a failing identity"
    return controls.first


def test_summary_open_count_equals_open_findings_in_findings_json(page: Any, demo_run: DemoRun) -> None:  # noqa: F811
    page.goto((demo_run.day / "index.html").as_uri())
    assert int(page.locator("#count-open").inner_text()) == len(open_findings(demo_run))


def test_framework_control_lists_the_identities_failing_its_rules(page: Any, demo_run: DemoRun) -> None:  # noqa: F811
    page.goto((demo_run.day / "index.html").as_uri())
    page.locator(f'a[href="frameworks/{FRAMEWORK}.html"]').click()
    assert page.url.endswith(f"frameworks/{FRAMEWORK}.html")
    control = first_failing_control(page)
    rule_ids = set(control.locator("p.rules a").all_inner_texts())
    expected = failing_identities(demo_run, rule_ids)
    assert int(control.locator(".failing-count").inner_text()) == len(expected)
    listed = control.locator("ul.failing code").all_inner_texts()
    assert listed == sorted(expected)[: len(listed)] and listed


def test_identity_page_lists_exactly_the_rules_findings_json_has_for_it(page: Any, demo_run: DemoRun) -> None:  # noqa: F811
    page.goto((demo_run.day / "frameworks" / f"{FRAMEWORK}.html").as_uri())
    link = first_failing_control(page).locator("ul.failing a").first
    arn = link.inner_text()
    link.click()
    assert page.locator("h1.arn").inner_text() == arn
    shown = page.locator("#findings + table tr td:first-child").all_inner_texts()
    expected = sorted(f["rule_id"] for f in demo_run.findings() if (f["identity_arn"] or f["resource_arn"]) == arn)
    assert sorted(shown) == expected and expected


WIDTH = 1280


def test_no_page_is_wider_than_the_window_at_1280_px(browser: Any, demo_run: DemoRun) -> None:  # noqa: F811
    """Long ARNs, action lists and policy documents wrap: every page of the report fits 1,280 px."""
    context = browser.new_context(java_script_enabled=True, offline=True, viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    too_wide = {}
    pages = sorted(demo_run.reports.rglob("*.html"))
    for path in pages:
        page.goto(path.as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            too_wide[str(path.relative_to(demo_run.reports))] = width
    context.close()
    assert len(pages) > 100 and too_wide == {}


def test_framework_page_prints_without_navigation_and_to_pdf(page: Any, demo_run: DemoRun) -> None:  # noqa: F811
    page.goto((demo_run.day / "frameworks" / f"{FRAMEWORK}.html").as_uri())
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert page.pdf(format="A4").startswith(b"%PDF")
