"""Waivers: reviewed, expiring acceptances of risk for specific findings.

A waiver is an entry in a YAML file that someone reviewed (it lives in version control next to the config):
which rule, which resources (an ARN glob), why, who approved it and until when. Waived findings stay in every
table and export, marked `waived`, because an auditor must see what was accepted, not a cleaner estate. When
the expiry date passes the waiver stops applying: the finding is open again and is marked `waiver_expired`,
so a forgotten waiver shows up instead of silently muting a finding for ever.

Decisions, stated once here:

* A waiver is in force **through** its `expires` date (inclusive) and lapses the day after, judged against the
  snapshot's as-of date, never the wall clock, so the same evidence always gives the same report.
* `resource` is matched with `fnmatch.fnmatchcase` against the finding's `resource_arn`: case-sensitive (ARNs
  are), and `*` also matches `/`, so `arn:aws:iam::123456789012:role/ci-*` covers role paths below `ci-`.
* A malformed file is an error naming the file, the entry index (0-based) and the field. A `rule_id` that no
  rule defines is also an **error** (when the caller passes the known rule ids): a misspelt waiver would
  otherwise look reviewed while matching nothing, and the finding it was meant for would stay open with no
  explanation.
* When several waivers match one finding, one in force beats an expired one, and among equals the later
  expiry wins (then the later entry in the file), so the outcome never depends on dict or row order.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assurance_jobs.yaml_files import describe_validation_error, read_yaml_file

WAIVER_COLUMNS: tuple[str, ...] = ("waiver_status", "waiver_justification", "waiver_approver", "waiver_expires")
"""Columns `apply_waivers` adds; `waiver_expires` is an ISO date string (or None) so exports need no date type."""

_RULE_ID = re.compile(r"^NHI-[A-Z]+-\d{3}$")


class WaiverError(Exception):
    """A waiver file problem, phrased for the person who edits the file."""


class Waiver(BaseModel):
    """One reviewed acceptance of risk for one rule on the resources an ARN glob matches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str = Field(pattern=_RULE_ID.pattern)
    resource: str = Field(min_length=1, description="fnmatch glob on the finding's resource_arn.")
    justification: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    expires: date
    approved: date | None = Field(default=None, description="When the approver signed it off (shown in the report).")

    @field_validator("justification", "approver", "resource")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("expires", "approved", mode="before")
    @classmethod
    def _expires_is_a_date(cls, value: object) -> object:
        """YAML gives a date for `2026-12-31`; refuse datetimes and numbers so the meaning is never guessed."""
        if value is None:
            return value
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return value
        raise ValueError("must be a date written as YYYY-MM-DD")

    def in_force(self, as_of: date) -> bool:
        return as_of <= self.expires

    def matches(self, rule_id: str, resource_arn: str) -> bool:
        return rule_id == self.rule_id and fnmatch.fnmatchcase(resource_arn, self.resource)


def parse_waivers(data: object, source: str, known_rule_ids: Iterable[str] | None = None) -> list[Waiver]:
    """Validate parsed YAML (a list of entries, or `{waivers: [...]}`; empty or null means no waivers)."""
    if isinstance(data, dict) and set(data) == {"waivers"}:
        data = data["waivers"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise WaiverError(f"{source}: expected a list of waivers (rule_id, resource, justification, approver, expires)")
    known = set(known_rule_ids) if known_rule_ids is not None else None
    waivers = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise WaiverError(f"{source}: waiver #{index}: expected a mapping, got {type(entry).__name__}")
        try:
            waiver = Waiver.model_validate(entry)
        except ValidationError as error:
            where = f"{source}: waiver #{index}"
            message = describe_validation_error(error, where, empty="(entry)", count_more=False, model=Waiver)
            raise WaiverError(message) from None
        if known is not None and waiver.rule_id not in known:
            raise WaiverError(f"{source}: waiver #{index}: field 'rule_id': no rule '{waiver.rule_id}' is defined")
        waivers.append(waiver)
    return waivers


def load_waivers(path: str | Path, known_rule_ids: Iterable[str] | None = None) -> list[Waiver]:
    """Read and validate a waiver file; any problem raises WaiverError naming file, entry and field."""
    waiver_path = Path(path)
    data = read_yaml_file(waiver_path, "waiver file", WaiverError)
    return parse_waivers(data, str(waiver_path), known_rule_ids)


def _precedence(waivers: Sequence[Waiver], as_of: date) -> list[Waiver]:
    """Order so that a later write wins: expired before in force, earlier expiry before later, file order last."""
    indexed = list(enumerate(waivers))
    indexed.sort(key=lambda pair: (pair[1].in_force(as_of), pair[1].expires, pair[0]))
    return [waiver for _, waiver in indexed]


def apply_waivers(findings: pd.DataFrame, waivers: Sequence[Waiver], as_of: date) -> pd.DataFrame:
    """Return a copy of `findings` with the waiver columns set; the input is not modified."""
    result = findings.copy()
    count = len(result)
    status = pd.Series(["open"] * count, index=result.index, dtype=object)
    justification = pd.Series([None] * count, index=result.index, dtype=object)
    approver = pd.Series([None] * count, index=result.index, dtype=object)
    expires = pd.Series([None] * count, index=result.index, dtype=object)
    if count:
        rule_ids = result["rule_id"].astype(str)
        arns = result["resource_arn"].astype(str)
        for waiver in _precedence(waivers, as_of):
            pattern = re.compile(fnmatch.translate(waiver.resource))
            mask = rule_ids == waiver.rule_id
            if not mask.any():
                continue
            mask[mask] = arns[mask].map(lambda arn, p=pattern: p.match(arn) is not None).astype(bool)
            if not mask.any():
                continue
            status[mask] = "waived" if waiver.in_force(as_of) else "waiver_expired"
            justification[mask] = waiver.justification
            approver[mask] = waiver.approver
            expires[mask] = waiver.expires.isoformat()
    result["waiver_status"] = status
    result["waiver_justification"] = justification
    result["waiver_approver"] = approver
    result["waiver_expires"] = expires
    return result


def expired_waivers(waivers: Sequence[Waiver], as_of: date) -> list[Waiver]:
    """Waivers past their expiry on `as_of`, sorted for the report's 'expired waivers' list."""
    lapsed = [waiver for waiver in waivers if not waiver.in_force(as_of)]
    return sorted(lapsed, key=lambda w: (w.expires, w.rule_id, w.resource, w.approver))
