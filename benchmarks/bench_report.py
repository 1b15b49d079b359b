"""Benchmark: render a synthetic 100k-finding report and print its size, file count, largest page and timings.

Run on demand: `python benchmarks/bench_report.py [--identities N] [--findings N] [--out DIR]`.
Issue 4 targeted ≤ 20 MB for 100k findings before identity pages existed (issue 13: one page per identity, each
with its own stylesheet so it stands alone); size now grows with identities — README "Reports and exports" quotes
the last measurement. Every page should paint in under 2 s in headless Chromium. Load time is measured inside
headless Chromium (navigation start to the load event, best of two) for the summary, the largest page and a
sample of others.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from assurance_jobs.output.catalogue import load_catalogue
from assurance_jobs.output.html import render_report
from assurance_jobs.output.synthetic import large_bundle

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--dump-dom"]


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


_PROBE = (
    '<script>addEventListener("load",()=>{document.documentElement.setAttribute('
    '"data-load-ms",performance.now().toFixed(0))})</script>'
)


def _load_ms(browser: str, page: Path) -> float:
    """Navigation start → load event inside the page (excludes browser start-up), via a probe copy of the page.

    The report forbids scripts with a Content-Security-Policy, so the probe copy drops that meta tag and adds a
    one-line script recording `performance.now()` at the load event; `--dump-dom` prints it back.
    """
    probe = page.with_name(f"_probe_{page.name}")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8"))
    probe.write_text(text.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    try:
        done = subprocess.run([browser, *CHROMIUM_FLAGS, probe.as_uri()], capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink()
    found = re.search(r'data-load-ms="(\d+)"', done.stdout)
    return float(found.group(1)) if found else float("nan")


def paint_times(out: Path, pages: list[Path]) -> list[tuple[str, float]] | None:
    browser = _chromium()
    if browser is None:
        return None
    return [(str(page.relative_to(out)), min(_load_ms(browser, page) for _ in range(2)) / 1000) for page in pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--identities", type=int, default=20_000)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-report-"))

    started = time.perf_counter()
    bundle = large_bundle(args.identities, args.findings)
    bundle = type(bundle)(**{**bundle.__dict__, "catalogue": load_catalogue()})
    built = time.perf_counter() - started

    started = time.perf_counter()
    render_report(bundle, out)
    rendered = time.perf_counter() - started

    files = sorted(p for p in out.rglob("*") if p.is_file())
    sizes = {p: p.stat().st_size for p in files}
    largest = max(sizes, key=lambda p: sizes[p])
    total_mb = sum(sizes.values()) / 1e6
    print(f"| {'metric':<28} | {'value':>28} |")
    print(f"|{'-' * 30}|{'-' * 30}|")
    rows = [
        ("findings", f"{args.findings:,}"),
        ("identities", f"{args.identities:,}"),
        ("output folder", str(out)),
        ("total size (MB)", f"{total_mb:.2f}"),
        ("files", f"{len(files):,}"),
        ("largest page", f"{largest.relative_to(out)}"),
        ("largest page size (KB)", f"{sizes[largest] / 1e3:.1f}"),
        ("mean page size (KB)", f"{sum(sizes.values()) / len(files) / 1e3:.1f}"),
        ("bundle build time (s)", f"{built:.2f}"),
        ("render time (s)", f"{rendered:.2f}"),
    ]
    for name, value in rows:
        print(f"| {name:<28} | {value:>28} |")

    sample = [out / "index.html", largest, out / "rules" / "NHI-LP-002.html", out / "frameworks" / "nist-800-53r5.html"]
    identity_pages = sorted(p for p in (out / "ids").glob("*.html") if p.name != "index.html")
    sample += [*identity_pages[:1], out / "ids" / "index.html", out / "waived.html"]
    sample += sorted((out / "controls" / "nist-800-53r5").glob("*.html"))[:1]
    timings = paint_times(out, [p for p in dict.fromkeys(sample) if p.is_file()])
    if timings is None:
        print("page paint: skipped: no chromium")
        return
    print()
    print(f"| {'page (headless chromium)':<40} | {'load s':>12} |")
    print(f"|{'-' * 42}|{'-' * 14}|")
    for name, seconds in timings:
        print(f"| {name:<40} | {seconds:>12.2f} |")


if __name__ == "__main__":
    main()
