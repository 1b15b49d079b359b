"""The auditor-facing HTML report: a self-contained, multi-page static site rendered with Jinja2.

Why it looks like this:

* **Self-contained and offline.** Auditors open it from a file share or an evidence archive: CSS is inlined
  into every page, the trend chart is inline SVG, and no external URL is ever fetched (links to framework
  sources are plain links the reader may follow). The one script is our own account/OU row filter, inlined on
  the pages with filterable tables and allowed by its hash in the Content-Security-Policy (nothing else can
  run); without it every row is shown.
* **Untrusted text.** Names, tags, owners and policy text come from the estate and are attacker-controlled;
  autoescaping is on for every template, and nothing from the estate is marked safe.
* **Large estates.** One leading scanner's single page reached 142 MB at 121k findings. Here findings tables are
  paginated (`page_size` rows per page), each identity has its own small page (named by account, name and a
  hash of the ARN, so names are stable), managed policy documents are printed once on their own page, control
  pages cap their finding lists, and rule rows stay short.
* **Deterministic.** The same bundle gives byte-identical files: everything is sorted, the as-of time comes from
  the snapshot, file names derive from ids and hashes, and nothing reads the clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from assurance_jobs.assets import TEMPLATES, asset_folder
from assurance_jobs.output import report_model as page_builders
from assurance_jobs.output.activity import activity_page
from assurance_jobs.output.agents import agent_pages
from assurance_jobs.output.bundle import SEVERITIES, ReportBundle, family_label
from assurance_jobs.output.labels import source_label, source_labels, words
from assurance_jobs.output.views import row_scope

PAGE_SIZE = 1000


def template_dir() -> Path:
    """The packaged reports/templates (the repository's, through the package's link to it)."""
    folder = asset_folder(TEMPLATES)
    if not (folder / "base.html.j2").is_file():
        raise FileNotFoundError(f"no report templates found in {folder}")
    return folder


@lru_cache(maxsize=2)
def _environment(folder: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.do"],
    )
    # Our own stylesheet, read from the template folder: trusted, and must not be HTML-escaped inside <style>.
    env.filters["family"] = family_label
    env.filters["row_scope"] = row_scope
    env.filters["source"] = source_label
    env.filters["sources"] = source_labels
    env.filters["words"] = words
    env.globals["css"] = Markup((folder / "report.css").read_text(encoding="utf-8").strip())
    script = (folder / "filter.js").read_text(encoding="utf-8").strip()
    env.globals["filter_script"] = Markup(script)
    env.globals["filter_csp"] = Markup(f"'sha256-{_sha256_base64(script)}'")
    return env


def _sha256_base64(text: str) -> str:
    """A CSP hash source: the script runs only if its text is byte-for-byte the one we wrote."""
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


FILTERED_TEMPLATES = frozenset(
    {"summary.html.j2", "framework.html.j2", "rule.html.j2", "findings_list.html.j2", "control.html.j2"}
)
"""The pages whose tables carry account/OU rows and so get the row filter (when the report spans accounts)."""


class _Site:
    """Writes rendered pages under one root and remembers them (for callers and tests)."""

    def __init__(self, root: Path, env: Environment) -> None:
        self.root = root
        self.env = env
        self.written: list[Path] = []

    def page(self, relative: str, template: str, **context: Any) -> Path:
        depth = relative.count("/")
        model = context.get("m")
        filters = model.filters if model is not None and template in FILTERED_TEMPLATES else None
        html = self.env.get_template(template).render(root="../" * depth, filters=filters, **context)
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.tmp")
        with temp.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(html + "\n")
        os.replace(temp, path)  # a reader never sees half a page (the index across days is rewritten in place)
        self.written.append(path)
        return path


RenderProgress = Callable[[int, int, str], None]
"""Called after each page group as (groups done, groups in all, the group just rendered)."""
PAGE_GROUPS: tuple[str, ...] = (
    "summary",
    "framework pages",
    "rule and list pages",
    "identity pages",
    "policy pages",
    "control pages",
    "changes, waivers, probes, evidence and activity",
)
"""The report's pages in the order they are rendered, in groups the progress display counts."""


def render_report(
    bundle: ReportBundle, out_dir: Path, page_size: int = PAGE_SIZE, on_group: RenderProgress | None = None
) -> Path:
    """Render the whole report for one partition into `out_dir`; return the summary page (index.html).

    `on_group` hears of each page group as it is written: a large estate's identity pages take a while, and the
    operator's terminal shows how far the report has got."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    site = _Site(out_dir, _environment(template_dir()))
    model = page_builders.ReportModel.build(bundle, page_size)
    done = 0

    def group_done() -> None:
        nonlocal done
        done += 1
        if on_group is not None:
            on_group(done, len(PAGE_GROUPS), PAGE_GROUPS[done - 1])

    index = site.page("index.html", "summary.html.j2", m=model)
    group_done()
    for framework in model.frameworks:
        site.page(f"frameworks/{framework['file']}.html", "framework.html.j2", m=model, fw=framework)
    group_done()
    for relative, template, context in page_builders.paged_pages(model, page_size):
        site.page(relative, template, m=model, **context)
    group_done()
    for relative, context in model.identity_pages():
        site.page(relative, "identity.html.j2", m=model, **context)
    for relative, template, context in agent_pages(bundle):  # the AI agents and their tool graphs
        site.page(relative, template, m=model, **context)
    group_done()
    for relative, context in model.policy_pages():
        site.page(relative, "policy.html.j2", m=model, **context)
    group_done()
    for relative, context in model.control_pages():
        site.page(relative, "control.html.j2", m=model, **context)
    group_done()
    site.page("changes.html", "changes.html.j2", m=model)
    site.page("waivers.html", "waivers.html.j2", m=model)
    site.page("probes.html", "probes.html.j2", m=model)
    site.page("evidence.html", "evidence.html.j2", m=model)
    site.page("activity.html", "activity.html.j2", m=model, a=activity_page(bundle.activity, bundle.collection_status))
    write_day_summary(model, out_dir)
    group_done()
    return index


DAY_SUMMARY = "day-summary.json"
"""Per day: open findings by severity, evidence status and changes, read back by the index across days."""


def write_day_summary(model: page_builders.ReportModel, out_dir: Path) -> Path:
    """The day's one summary (output/day_summary.py), which the summary page rendered from and the terminal, the
    exit code and the index across days read back (deterministic: no run id, no clock)."""
    path = out_dir / DAY_SUMMARY
    path.write_text(json.dumps(model.summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _day_entry(out_root: Path, day: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "day": day,
        "href": f"{day}/index.html",
        "present": (out_root / day / "index.html").is_file(),
    }
    try:
        entry["summary"] = json.loads((out_root / day / DAY_SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        entry["summary"] = None
    return entry


def render_index(out_root: Path, dates: Iterable[date | str]) -> Path:
    """Write out_root/index.html linking each day's report (`<date>/index.html`), newest first."""
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    site = _Site(out_root, _environment(template_dir()))
    days: Sequence[str] = sorted({d.isoformat() if isinstance(d, date) else str(d) for d in dates}, reverse=True)
    entries = [_day_entry(out_root, day) for day in days]
    for entry, earlier in zip(entries, [*entries[1:], None], strict=True):
        now, before = entry["summary"], (earlier or {}).get("summary")
        entry["delta"] = None if not now or not before else now["open"] - before["open"]
    return site.page("index.html", "dates_index.html.j2", entries=_with_gaps(entries), severities=SEVERITIES)


def _with_gaps(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The days newest first, with a row for each run of calendar days between two of them that has no report:
    a gap is shown as one, so nobody reads the next day's changes as one day's."""
    rows: list[dict[str, Any]] = []
    for entry, earlier in zip(entries, [*entries[1:], None], strict=True):
        rows.append(entry)
        if earlier is None:
            continue
        later, sooner = date.fromisoformat(entry["day"]), date.fromisoformat(earlier["day"])
        missing = (later - sooner).days - 1
        if missing > 0:
            first, last = sooner + timedelta(days=1), later - timedelta(days=1)
            rows.append({"gap": True, "first": first.isoformat(), "last": last.isoformat(), "days": missing})
    return rows
