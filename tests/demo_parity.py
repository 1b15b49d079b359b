"""The demo's output reduced to what must not change when the code is reorganised (run ids, times aside).

A refactor promises identical behaviour; `normalized_output` keeps exactly the parts of a demo's output that show
behaviour — every finding (rule, resource, observed value, severity), every rule result scope and the set of report
pages — and drops or rewrites what differs between two runs of the same code: snapshot ids, sha256s of files that
embed times, host paths, loopback ports, the random suffix AWS appends to secret ARNs, fractions of a day in ages.

Regenerate the stored copy only when behaviour changes on purpose (and review its diff):
    python tests/demo_parity.py <demo out folder> > tests/fixtures/demo_parity.json
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

STORED = Path(__file__).parent / "fixtures" / "demo_parity.json"

FINDING_FIELDS = ("rule_id", "account_id", "region", "resource_arn", "resource_kind", "identity_arn", "severity")
RESULT_FIELDS = ("rule_id", "account_id", "region", "status", "evaluated", "failed", "missing_sources")

_SECRET_SUFFIX = re.compile(r"(:secret:[^\s,;]+)-[A-Za-z0-9]{6}\b")
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_NUMBER = re.compile(r"(?<![\w.\-])-?\d+\.\d+(?![.\d])")  # a decimal on its own: not in "1.10" names or IP addresses
_HASH8 = re.compile(r"-[0-9a-f]{8}\.html$")
_SECRET_PAGE = re.compile(r"(-secret_[^/]+)-[A-Za-z0-9]{6}\.html$")


def _text(value: Any, day: date) -> Any:
    if not isinstance(value, str):
        return value
    value = _SECRET_SUFFIX.sub(r"\1-XXXXXX", value)
    value = _PORT.sub("127.0.0.1:PORT", value)
    # Fractional ages and days-to-expiry depend on the hour the demo ran (an age counted from a midnight-aligned
    # date differs by a day across midnight, and rounded it flipped at noon): that they are there is behaviour, the
    # fraction is not.
    value = _NUMBER.sub("N", value)
    for offset, label in ((0, "DAY"), (1, "DAY-1")):
        value = value.replace((day - timedelta(days=offset)).isoformat(), label)
    return value


def _page(path: str, day: date) -> str:
    """Identity pages are named by a hash of the ARN, which holds the secret's random suffix: keep the stem."""
    if "/ids/" in f"/{path}":
        path = _SECRET_PAGE.sub(r"\1-XXXXXX.html", _HASH8.sub(".html", path))
    return _text(path, day)


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def normalized_output(reports: Path, day: date) -> dict[str, Any]:
    document = json.loads((reports / day.isoformat() / "findings.json").read_text(encoding="utf-8"))
    findings = [
        {
            "observed": _text(str(finding.get("observed")), day),
            **{f: _text(finding.get(f), day) for f in FINDING_FIELDS},
        }
        for finding in document["findings"]
    ]
    results = [{f: _text(result.get(f), day) for f in RESULT_FIELDS} for result in document["rule_results"]]
    pages = sorted({_page(str(path.relative_to(reports)), day) for path in reports.rglob("*.html")})
    return {"findings": _sorted(findings), "rule_results": _sorted(results), "pages": pages}


if __name__ == "__main__":
    out = Path(sys.argv[1])
    days = sorted(p.name for p in (out / "reports").iterdir() if p.is_dir())
    print(json.dumps(normalized_output(out / "reports", date.fromisoformat(days[-1])), indent=1, sort_keys=True))
