"""The trend chart: findings per family per stored partition date, as inline SVG.

Drawn with altair and rendered offline by vl-convert (no browser, no network), so the report stays one set of
static files an auditor can open anywhere. The SVG must be byte-stable for the determinism guarantee: the data
are sorted, every family appears on every date (a missing count is a 0, not a gap that moves the legend), and
the output is checked for anything that varies between runs (vl-convert emits no ids or timestamps today;
`_stable` removes any that a future version adds).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache

from assurance_jobs.output.bundle import FAMILIES, HistoryPoint, family_label

_VOLATILE = re.compile(r'\s(?:id|clip-path)="[^"]*"')
_COLOURS = ["#1f5f8b", "#b35900", "#6a3d9a", "#2e7d32", "#8c8c8c", "#c2185b", "#00838f"]
_DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3], [10, 4]]


def trend_rows(history: Sequence[HistoryPoint]) -> list[dict[str, object]]:
    """Long-format rows (date, family, findings), one per family per date, sorted; families by their labels,
    which is what the legend prints."""
    families = list(FAMILIES) + sorted({f for point in history for f in point.counts} - set(FAMILIES))
    by_day = {point.day: point for point in history}
    return [
        {"date": day.isoformat(), "family": family_label(family), "findings": int(by_day[day].counts.get(family, 0))}
        for day in sorted(by_day)
        for family in families
    ]


def trend_spec(rows: list[dict[str, object]]) -> dict[str, object]:
    """The Vega-Lite spec built with altair (imported here: it is slow to import and only this needs it)."""
    import altair as alt
    import pandas as pd

    families = list(dict.fromkeys(str(row["family"]) for row in rows))
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("date:O", title="Partition date", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("findings:Q", title="Findings"),
            color=alt.Color(
                "family:N",
                title="Family",
                scale=alt.Scale(domain=families, range=_COLOURS[: len(families)] or _COLOURS),
            ),
            # Same field, title and domain as the colour: Vega-Lite merges them into one legend.
            strokeDash=alt.StrokeDash(
                "family:N",
                title="Family",
                scale=alt.Scale(domain=families, range=_DASHES[: len(families)] or _DASHES),
            ),
        )
        .properties(width=640, height=220)
        .configure_view(stroke=None)
        .configure_axis(labelFont="sans-serif", titleFont="sans-serif")
        .configure_legend(labelFont="sans-serif", titleFont="sans-serif")
    )
    return chart.to_dict()


@lru_cache(maxsize=8)
def _svg_for(spec_json: str) -> str:
    import vl_convert

    return _stable(vl_convert.vegalite_to_svg(json.loads(spec_json)))


def _stable(svg: str) -> str:
    return _VOLATILE.sub("", svg).strip()


def trend_svg(history: Sequence[HistoryPoint]) -> str | None:
    """Inline SVG of the trend, or None with fewer than two dates (one point is not a trend)."""
    if len({point.day for point in history}) < 2:
        return None
    spec = trend_spec(trend_rows(history))
    return _svg_for(json.dumps(spec, sort_keys=True))
