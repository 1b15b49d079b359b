"""Every page of the demo's published reports is reachable from the index across days, and every link lands.

An auditor starts at `reports/index.html`: a page no link leads to (an earlier day's list of new findings, a second
page of a rule) might as well not exist, and a link to nothing is a hole in the evidence.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta
from pathlib import Path

from conftest_demo import DemoRun, demo_run  # noqa: F401  (the shared demo fixture)

HREF = re.compile(r'href="([^"]*)"')


def links(page: Path) -> list[Path]:
    """The local files a page links to (fragments dropped; external and mailto links are not files)."""
    targets = []
    for href in HREF.findall(page.read_text(encoding="utf-8")):
        path = href.split("#", 1)[0]
        if not path or ":" in path:
            continue
        targets.append((page.parent / path).resolve())
    return targets


def crawl(start: Path) -> tuple[set[Path], set[tuple[str, str]]]:
    """(the pages reached from `start`, the (page, target) links that point at no file)."""
    reached, broken = {start.resolve()}, set()
    queue = deque([start.resolve()])
    while queue:
        page = queue.popleft()
        for target in links(page):
            if not target.is_file():
                broken.add((page.name, str(target)))
            elif target.suffix == ".html" and target not in reached:
                reached.add(target)
                queue.append(target)
    return reached, broken


def published_pages(reports: Path) -> set[Path]:
    return {page.resolve() for page in reports.rglob("*.html") if not any(p.startswith(".") for p in page.parts)}


def test_every_page_of_every_day_is_reachable_from_the_index(demo_run: DemoRun) -> None:  # noqa: F811
    reached, _ = crawl(demo_run.reports / "index.html")
    unreachable = sorted(
        str(page.relative_to(demo_run.reports.resolve())) for page in published_pages(demo_run.reports) - reached
    )
    assert unreachable == []


def test_every_link_of_every_page_lands_on_a_file(demo_run: DemoRun) -> None:  # noqa: F811
    _, broken = crawl(demo_run.reports / "index.html")
    assert broken == set()


def test_a_day_links_to_the_index_across_days_and_to_the_previous_day(demo_run: DemoRun) -> None:  # noqa: F811
    today = (demo_run.day / "index.html").read_text(encoding="utf-8")
    previous = demo_run.reports / sorted(p.name for p in demo_run.reports.iterdir() if p.is_dir())[0]
    assert 'href="../index.html">All days</a>' in today
    assert f'href="../{previous.name}/index.html" rel="prev">Previous day</a>' in today


def test_the_summary_links_every_export(demo_run: DemoRun) -> None:  # noqa: F811
    summary = (demo_run.day / "index.html").read_text(encoding="utf-8")
    for export in ("findings.json", "findings.csv", "findings.ocsf.json", "assessment-results.oscal.json"):
        assert f'href="{export}"' in summary and (demo_run.day / export).is_file()
    assert 'href="SHA256SUMS"' in summary and 'href="SHA256SUMS.sig"' in summary


def test_waivers_link_their_rule_and_show_when_they_were_approved(demo_run: DemoRun) -> None:  # noqa: F811
    waivers = (demo_run.day / "waivers.html").read_text(encoding="utf-8")
    assert '<a href="rules/NHI-ROT-006.html">NHI-ROT-006</a>' in waivers
    assert (demo_run.partition_date - timedelta(days=3)).isoformat() in waivers  # the demo's waiver was approved then


def test_activity_principals_link_to_their_identity_pages(demo_run: DemoRun) -> None:  # noqa: F811
    activity = (demo_run.day / "activity.html").read_text(encoding="utf-8")
    assert re.search(r'<td><a href="ids/[^"]+\.html"><code>arn:aws:iam::', activity)


def test_no_internal_name_is_printed_as_a_label(demo_run: DemoRun) -> None:  # noqa: F811
    """Source stems, fact columns and probe steps read as words; the stored names stay in file names only."""
    leaks = {}
    for page in demo_run.day.rglob("*.html"):
        text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
        text = re.sub(r"\S+\.(json|csv|parquet|yaml)\b", " ", text)  # file names are evidence, stems and all
        found = {
            name for name in ("cloudtrail_activity", "token_probes", "valid_use", "days_to_expiry") if name in text
        }
        if found:
            leaks[str(page.relative_to(demo_run.day))] = sorted(found)
    assert leaks == {}
