"""Regenerate docs/report-summary.png, the README's picture of the report, from a fresh run of the demo.

    .venv/bin/python docs/make_report_screenshot.py            # runs `assurance-jobs demo`, then screenshots it
    .venv/bin/python docs/make_report_screenshot.py --demo-out assurance-demo   # an existing demo folder

The demo runs through its command line, as a reader of the README would run it; the summary page of its last day is
opened in the distribution's Chromium (/usr/bin/chromium, driven by Playwright — no browser is downloaded) at
1,280 px wide, and the top of the page is saved. The picture therefore always shows what the current code renders.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TARGET = Path(__file__).resolve().parent / "report-summary.png"
WIDTH, HEIGHT = 1280, 1800


def run_demo(out: Path, size: int) -> None:
    command = [str(Path(sys.executable).parent / "assurance-jobs"), "demo", "--out", str(out), "--size", str(size)]
    finished = subprocess.run(command, check=False, cwd=out.parent)
    if finished.returncode not in (0, 3):  # 3: a day with evidence gaps still renders a report worth showing
        raise SystemExit(f"the demo failed (exit {finished.returncode})")


def latest_summary_page(demo_out: Path) -> Path:
    days = sorted(path for path in (demo_out / "reports").iterdir() if path.is_dir() and path.name[:1].isdigit())
    if not days:
        raise SystemExit(f"{demo_out}: no report was rendered")
    return days[-1] / "index.html"


def screenshot(page_path: Path, target: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        page = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, offline=True).new_page()
        page.goto(page_path.as_uri())
        page.screenshot(path=str(target), full_page=False)
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-out", type=Path, help="screenshot this existing demo folder instead of running one")
    parser.add_argument("--size", type=int, default=300, help="NHIs the demo seeds (as `assurance-jobs demo`)")
    parser.add_argument("--target", type=Path, default=TARGET, help="where the PNG is written")
    args = parser.parse_args(argv)
    if not CHROMIUM.is_file():
        raise SystemExit(f"{CHROMIUM} is missing: install the distribution's chromium package")
    if args.demo_out is not None:
        screenshot(latest_summary_page(args.demo_out), args.target)
    else:
        with tempfile.TemporaryDirectory(prefix="assurance-screenshot-") as folder:
            out = Path(folder) / "assurance-demo"
            run_demo(out, args.size)
            screenshot(latest_summary_page(out), args.target)
    print(f"wrote {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
