"""View models: turn the bundle's DataFrames into sorted plain dicts of strings for the templates.

Templates only loop and print; every ordering, grouping and formatting decision is made here so that it is
explicit, testable and the same on every run (determinism is the auditor's reproducibility guarantee).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import pandas as pd
from markupsafe import Markup

from assurance_jobs.evaluate.results import ANY_ACCOUNT
from assurance_jobs.output.bundle import FAMILIES, ReportBundle
from assurance_jobs.output.observed import render as render_observed
from assurance_jobs.output.status import open_mask

_FILE_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def relative_to_roots(path: str, roots: Sequence[tuple[str, str]]) -> str:
    """`path` relative to the deepest of `roots` (label, folder) it lies under; unchanged when under none."""
    under = [folder.rstrip("/") for _, folder in roots if path.startswith(folder.rstrip("/") + "/")]
    if not under:
        return path
    return path[len(max(under, key=len)) + 1 :]


def text(value: Any) -> str:
    """A cell as text: None/NaN → '', whole floats without '.0', timestamps in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple) or (hasattr(value, "tolist") and getattr(value, "ndim", 0) == 1):
        return ", ".join(text(item) for item in list(value))
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def short_time(value: Any) -> str:
    """A timestamp to the minute in UTC ('2026-11-25 06:00Z'): enough for an auditor, a third of the bytes."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return text(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%MZ")


def file_name(identifier: str) -> str:
    """A file-system-safe, stable name for a rule or framework id."""
    return _FILE_SAFE.sub("_", identifier)


def identity_key(arn: str) -> str:
    return hashlib.sha256(arn.encode("utf-8")).hexdigest()


def identity_file(arn: str) -> str:
    """An identity's page name: account, readable name, and 8 hex of the ARN's hash (names may clash once
    made file-safe; the hash keeps them apart and stable whatever else is in the estate)."""
    parts = arn.split(":", 5)
    # A principal named by something other than an ARN is a client id (the OAuth2 client a token probe uses).
    account = (parts[4] or "unknown") if len(parts) == 6 else "client"
    readable = file_name(split_arn(arn)[1].replace("/", "_"))[:60]
    return f"{account}-{readable}-{identity_key(arn)[:8]}"


def identity_href(arn: str) -> str:
    """Link (relative to the report root) to an identity's page."""
    return f"ids/{identity_file(arn)}.html"


def policy_href(policy_arn: str) -> str:
    """Link (relative to the report root) to a managed policy's page: its document is printed once, there."""
    return f"policies/{identity_file(policy_arn)}.html"


def evidence_anchor(sha256: str) -> str:
    """The evidence page row of a file, by the first 12 hex of its sha256 (what finding rows print)."""
    return "f-" + sha256[:12]


def split_arn(arn: str) -> tuple[str, str]:
    """('arn:aws:iam::123456789012:', 'role/x'): tables print the prefix once per run of rows."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return ":".join(parts[:5]) + ":", parts[5]
    return "", arn


def resource_suffix(resource: str, owner: str) -> str:
    """A resource as shown under its owner: '' for the owner itself, 'access_key_1' for '<owner>#access_key_1'.

    The owner's full ARN heads the section, so repeating it on every row would only cost bytes."""
    if resource == owner:
        return ""
    for separator in ("#", "/"):
        if owner and resource.startswith(owner + separator):
            return resource[len(owner) + 1 :]
    return resource


def records(frame: pd.DataFrame | None, sort_by: Sequence[str]) -> list[dict[str, Any]]:
    """Rows as dicts, sorted by the given columns (stable) with whatever columns exist."""
    if frame is None or not len(frame):
        return []
    keys = [key for key in sort_by if key in frame.columns]
    ordered = frame.sort_values(keys, kind="mergesort") if keys else frame
    return ordered.to_dict("records")


def arn_account(arn: str) -> str:
    """The account field of an ARN ('' when the text is not an ARN or names no account)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[0] == "arn" else ""


PROBE_SCOPE_PREFIX = "probe:"
CLUSTER_SCOPE_PREFIX = "k8s:"
"""A Kubernetes cluster's scope (`k8s:<cluster>`; `k8s:*` when none is configured): filtered by the Cluster filter."""
"""How a probe target's results and findings name their scope (`probe:<target>`; `probe:*` for none)."""


def is_aws_account(scope: str) -> bool:
    """False for the scopes of rule results and findings that are no AWS account: a probe target
    (`probe:<name>`, `probe:*`) or `*` (a rule evaluated nowhere). Only AWS accounts are filtered on and get
    per-account verdicts; the others belong to the whole report."""
    return (
        bool(scope)
        and scope != ANY_ACCOUNT
        and not scope.startswith(PROBE_SCOPE_PREFIX)
        and not scope.startswith(CLUSTER_SCOPE_PREFIX)
    )


def row_scope(scope: Any) -> str:
    """A table row's `data-account` for the row filter: its AWS account, else `*` — a row of no single account
    (a rule evaluated nowhere, a probe target), which filter.js shows whichever account or OU is chosen."""
    shown = text(scope)
    named_cluster = shown.startswith(CLUSTER_SCOPE_PREFIX) and shown != f"{CLUSTER_SCOPE_PREFIX}*"
    return shown if is_aws_account(shown) or named_cluster else ANY_ACCOUNT


def finding_row(
    row: Mapping[str, Any], ou_by_account: Mapping[str, str] | None = None, kinds: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The compact finding row every table prints; `account` and `ou` are what the report's filter matches. The
    observed value is rendered from the row's `observed_kind`, else from the kind its rule declares (`kinds`)."""
    arn = text(row.get("resource_arn"))
    identity = text(row.get("identity_arn")) or arn
    prefix, rest = split_arn(arn)
    status = text(row.get("waiver_status")) or "open"
    account = text(row.get("account_id")) or arn_account(identity)
    return {
        "account": account,
        "ou": (ou_by_account or {}).get(account, ""),
        "rule_id": text(row.get("rule_id")),
        "rule_file": file_name(text(row.get("rule_id"))),
        "severity": text(row.get("severity")),
        "arn": arn,
        "prefix": prefix,
        "rest": rest,
        "identity": identity,
        "href": identity_href(identity),
        "observed": render_observed(
            row.get("observed"), text(row.get("observed_kind")) or (kinds or {}).get(text(row.get("rule_id")))
        ),
        "finding_id": text(row.get("finding_id")),
        "lifecycle": text(row.get("lifecycle_status")),
        "first_seen": text(row.get("first_seen")),
        "last_seen": text(row.get("last_seen")),
        "age": text(row.get("age_days")),
        "due": text(row.get("due_date")),
        "overdue": "yes" if row.get("overdue") is True or text(row.get("overdue")) == "True" else "",
        "title": text(row.get("title")),
        "source": source_name(text(row.get("source_file"))),
        "sha12": text(row.get("source_sha256"))[:12],
        "status": status,
        "justification": text(row.get("waiver_justification")),
        "approver": text(row.get("waiver_approver")),
        "expires": text(row.get("waiver_expires")),
    }


def source_name(path: str) -> str:
    """A snapshot file as finding rows show it: its name without the account folder the ARN already gives."""
    return path.rsplit("/", 1)[-1]


def runs_by_prefix(rows: Sequence[Mapping[str, str]]) -> list[tuple[str, list[Mapping[str, str]]]]:
    """Consecutive rows sharing an ARN prefix (rows are sorted by ARN, so each prefix is one run)."""
    return [(prefix, list(group)) for prefix, group in itertools.groupby(rows, key=lambda r: r["prefix"])]


def runs_by_source(rows: Sequence[Mapping[str, str]]) -> list[tuple[dict[str, str], list[Mapping[str, str]]]]:
    """Consecutive finding rows sharing an ARN prefix and a snapshot file: each run's header row names the
    account part of the ARNs and the file (with its sha256 prefix, linked to the evidence page) every row below
    it was found in — printed once per run instead of once per row, which keeps 100k-row tables small."""

    def key(row: Mapping[str, str]) -> tuple[str, str, str]:
        return row["prefix"], row.get("source", ""), row.get("sha12", "")

    return [
        ({"prefix": prefix, "source": source, "sha12": sha12}, list(group))
        for (prefix, source, sha12), group in itertools.groupby(rows, key=key)
    ]


def pages(rows: Sequence[Any], page_size: int) -> Iterator[tuple[int, Sequence[Any]]]:
    """(1-based page number, rows) — at least one page, even when empty, so every link has a target."""
    count = max(1, math.ceil(len(rows) / page_size))
    for number in range(1, count + 1):
        yield number, rows[(number - 1) * page_size : number * page_size]


def page_file(stem: str, number: int) -> str:
    return f"{stem}.html" if number == 1 else f"{stem}-p{number}.html"


def pager(stem: str, number: int, count: int) -> list[dict[str, Any]]:
    """A short pager (first, neighbours, last) so a 200-page series does not repeat 200 links per page."""
    wanted = sorted({1, count, *range(max(1, number - 2), min(count, number + 2) + 1)})
    links: list[dict[str, Any]] = []
    previous = 0
    for page in wanted:
        if page - previous > 1:
            links.append({"gap": True})
        links.append({"gap": False, "number": page, "file": page_file(stem, page), "current": page == number})
        previous = page
    return links if count > 1 else []


def rule_meta(bundle: ReportBundle) -> dict[str, dict[str, Any]]:
    """Rule id → meta, completed from findings/rule_results for any rule the suites did not describe."""
    metas: dict[str, dict[str, Any]] = {str(rule["rule_id"]): dict(rule) for rule in bundle.rules}
    for frame in (bundle.rule_results, bundle.findings):
        if not len(frame):
            continue
        for row in frame.drop_duplicates("rule_id").to_dict("records"):
            meta = metas.setdefault(str(row["rule_id"]), {"rule_id": str(row["rule_id"])})
            for key in ("title", "family", "severity"):
                meta.setdefault(key, text(row.get(key)))
    for meta in metas.values():
        meta["threshold_text"] = threshold_text(meta, bundle.findings)
        meta["file"] = file_name(meta["rule_id"])
    return dict(sorted(metas.items(), key=lambda item: _rule_order(item[1])))


def _rule_order(meta: Mapping[str, Any]) -> tuple[int, str]:
    family = meta.get("family")
    return (FAMILIES.index(family) if family in FAMILIES else len(FAMILIES), str(meta["rule_id"]))


def threshold_text(meta: Mapping[str, Any], findings: pd.DataFrame) -> str:
    """The threshold in words: meta `threshold`, else the expectation kwargs, else what the findings say."""
    if meta.get("threshold"):
        return text(meta["threshold"])
    kwargs = meta.get("kwargs") or {}
    if kwargs:
        shown = {key: value for key, value in kwargs.items() if key not in ("meta", "result_format")}
        return ", ".join(
            f"{key} = {json.dumps(value, sort_keys=True, default=str)}" for key, value in sorted(shown.items())
        )
    if len(findings) and "threshold" in findings.columns:
        values = findings.loc[findings["rule_id"] == meta["rule_id"], "threshold"].dropna()
        if len(values):
            return text(values.iloc[0])
    return ""


def count_table(findings: pd.DataFrame, column: str, order: Sequence[str]) -> list[dict[str, Any]]:
    """Open and waived finding counts per value of `column`, in the given order then any others sorted."""
    if not len(findings) or column not in findings.columns:
        return [{"key": key, "open": 0, "waived": 0} for key in order]
    is_open = open_mask(findings)
    open_counts = findings.loc[is_open, column].value_counts().to_dict()
    waived_counts = findings.loc[~is_open, column].value_counts().to_dict()
    keys = list(order) + sorted({str(k) for k in findings[column].dropna()} - set(order))
    return [
        {"key": key, "open": int(open_counts.get(key, 0)), "waived": int(waived_counts.get(key, 0))} for key in keys
    ]


def markdown(source: Any) -> Markup:
    """Rule text (rationale, remediation) rendered from Markdown. Raw HTML in the source is escaped, not passed
    through, and markdown-it refuses javascript: and similar links, so nothing the text says can run."""
    return Markup(_markdown_renderer().render(text(source)).strip())


@lru_cache(maxsize=1)
def _markdown_renderer() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def tag_rows(tags: Any) -> list[tuple[str, str]] | None:
    """Tags (a JSON object string) as sorted (key, value) rows; None when the text is not a JSON object."""
    raw = text(tags)
    if not raw:
        return []
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    return sorted((str(key), text(value)) for key, value in parsed.items())


def pretty_json(document: Any) -> str:
    """A policy document indented for reading; text that is not JSON is shown as it is."""
    raw = text(document)
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw
