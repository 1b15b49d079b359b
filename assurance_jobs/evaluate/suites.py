"""Load the rule suites in `expectations/*.json` and check their metadata before anything runs.

The suites are GX 1.x suite JSON (what `gx.ExpectationSuite(**json)` reads and `suite.to_json_dict()` writes), but
the checks here are plain Python: loading must not pay the several-second GX import, and a bad suite must stop
the run with one message naming the file and the expectation, because the people editing these files are
security engineers tuning thresholds, not GX users reading a pydantic traceback.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from assurance_jobs import schema
from assurance_jobs.assets import EXPECTATIONS, asset_folder
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.sources import registry

Subject = Literal["identities", "credentials", "agents", "probes", "kubernetes_subjects", "kubernetes_tokens"]

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
SUBJECTS: tuple[str, ...] = (
    "identities",
    "credentials",
    "agents",
    "probes",
    "kubernetes_subjects",
    "kubernetes_tokens",
)
REQUIRED_META: tuple[str, ...] = (
    "rule_id",
    "title",
    "family",
    "severity",
    "rationale",
    "remediation",
    "subject",
    "depends_on",
    "observed_column",
    "controls",
)
# Framework-specific keys of earlier suites, now ordinary `controls` entries (framework id → where they went).
RETIRED_META: dict[str, str] = {"zero_trust_tenets": "nist-800-207", "sp800_63b": "nist-800-63b"}
ZERO_TRUST_TENETS: frozenset[str] = frozenset({"1", "2", "3", "4", "5", "6", "7"})
# GX 1.x knows three expectation severities; each rule severity maps to one, so the two cannot disagree.
GX_SEVERITY: dict[str, str] = {"critical": "critical", "high": "critical", "medium": "warning", "low": "info"}


def known_sources() -> frozenset[str]:
    """Every source and configured input a rule may depend on (assurance_jobs/sources/registry.py)."""
    return registry.names()


# The expectation types the engine knows how to judge and describe; anything else is a suite error, not a
# silent pass.
SUPPORTED_TYPES: frozenset[str] = frozenset(
    {
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_null",
    }
)
DEFAULT_FOLDER = asset_folder(EXPECTATIONS)


class SuiteError(Exception):
    """A suite file that cannot be used, phrased for the person who edits it."""


@dataclass(frozen=True)
class Rule:
    """One expectation of a suite, with the metadata the engine and the reports need."""

    rule_id: str
    title: str
    family: str
    severity: str
    subject: Subject
    depends_on: tuple[str, ...]
    observed_column: str
    expectation_type: str
    column: str
    kwargs: Mapping[str, Any]
    meta: Mapping[str, Any]
    suite_name: str
    suite_path: Path
    expectation: Mapping[str, Any] = field(repr=False)

    @property
    def row_condition(self) -> Any:
        return self.kwargs.get("row_condition")

    @property
    def threshold(self) -> str:
        return describe_threshold(self.expectation_type, self.kwargs, self.meta.get("unit"))

    @property
    def subject_kinds(self) -> frozenset[str] | None:
        """The `kind` values the rule's scope is limited to (None: any kind), read from its row condition."""
        return kinds_in_condition(self.row_condition)


def kinds_in_condition(condition: Any) -> frozenset[str] | None:
    """`kind == x` / `kind IN [...]` constraints of a GX row condition; `and` intersects, `or` unites.

    None means the condition does not limit the kind; the provenance check then assumes rows of any kind.
    """
    if not isinstance(condition, dict):
        return None
    if condition.get("type") == "comparison" and (condition.get("column") or {}).get("name") == "kind":
        value, operator = condition.get("parameter"), condition.get("operator")
        if operator == "==" and isinstance(value, str):
            return frozenset({value})
        if operator == "IN" and isinstance(value, list):
            return frozenset(str(item) for item in value)
        return None
    children = [kinds_in_condition(child) for child in condition.get("conditions") or []]
    if condition.get("type") == "and":
        known = [kinds for kinds in children if kinds is not None]
        return frozenset.intersection(*known) if known else None
    if condition.get("type") == "or" and children and all(kinds is not None for kinds in children):
        return frozenset().union(*children)  # type: ignore[arg-type]
    return None


@dataclass(frozen=True)
class Suite:
    """A suite file: its raw JSON (for GX) and the rules read from it."""

    name: str
    path: Path
    document: Mapping[str, Any] = field(repr=False)
    rules: tuple[Rule, ...]


def _number(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _set_phrase(values: list[Any]) -> str:
    if values == [True]:
        return "must be true"
    if values == [False]:
        return "must be false"
    return "must be one of: " + ", ".join(str(value) for value in values)


def _range_phrase(kwargs: Mapping[str, Any], unit: str | None) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    suffix = f" {unit}" if unit else ""
    if high is not None and float(high) == 0 and low is None and not kwargs.get("strict_max"):
        return f"no {unit}" if unit else "must be 0"
    parts = []
    if low is not None:
        parts.append(f"{'>' if kwargs.get('strict_min') else '≥'} {_number(low)}")
    if high is not None:
        parts.append(f"{'<' if kwargs.get('strict_max') else '≤'} {_number(high)}")
    return " and ".join(parts) + suffix


def describe_threshold(expectation_type: str, kwargs: Mapping[str, Any], unit: str | None = None) -> str:
    """The pass condition as a reader sees it in a report ("≤ 90 days", "< 45 days", "must be true")."""
    if expectation_type == "expect_column_values_to_be_between":
        return _range_phrase(kwargs, unit)
    if expectation_type == "expect_column_values_to_be_in_set":
        return _set_phrase(list(kwargs.get("value_set") or []))
    if expectation_type == "expect_column_values_to_not_be_null":
        return "must be set"
    raise ValueError(f"no description for expectation type {expectation_type}")


def _problem(where: str, message: str) -> SuiteError:
    return SuiteError(f"{where}: {message}")


def _check_meta(meta: Mapping[str, Any], where: str) -> None:
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        raise _problem(where, f"meta is missing {', '.join(missing)}")
    for key in ("rule_id", "title", "family", "rationale", "remediation", "observed_column"):
        if not isinstance(meta[key], str) or not meta[key].strip():
            raise _problem(where, f"meta.{key} must be a non-empty string")
    if meta["severity"] not in SEVERITIES:
        raise _problem(where, f"meta.severity {meta['severity']!r} is not one of {', '.join(SEVERITIES)}")
    if meta["subject"] not in SUBJECTS:
        raise _problem(where, f"meta.subject {meta['subject']!r} is not one of {', '.join(SUBJECTS)}")
    depends_on = meta["depends_on"]
    if not isinstance(depends_on, list) or not depends_on:
        raise _problem(where, "meta.depends_on must be a non-empty list of source names")
    unknown = sorted(set(depends_on) - known_sources())
    if unknown:
        raise _problem(where, f"meta.depends_on names unknown sources: {', '.join(unknown)}")
    kind = meta.get("observed_kind")
    if kind is not None and kind not in schema.OBSERVED_KIND_NAMES:
        raise _problem(where, f"meta.observed_kind {kind!r} is not one of {', '.join(schema.OBSERVED_KIND_NAMES)}")
    _check_citations(meta, where)


def _check_citations(meta: Mapping[str, Any], where: str) -> None:
    controls = meta["controls"]
    if not isinstance(controls, dict) or not all(
        isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in controls.values()
    ):
        raise _problem(where, "meta.controls must map framework ids to lists of control id strings")
    for key, framework_id in RETIRED_META.items():
        if key in meta:
            raise _problem(where, f"meta.{key} is retired: list those ids under meta.controls.{framework_id}")
    bad_tenets = [tenet for tenet in controls.get("nist-800-207", []) if tenet not in ZERO_TRUST_TENETS]
    if bad_tenets:
        raise _problem(where, f"meta.controls.nist-800-207 has {', '.join(bad_tenets)}; tenets are '1'..'7'")


def _check_severity(expectation: Mapping[str, Any], meta: Mapping[str, Any], where: str) -> None:
    """The GX `severity` beside `meta` is optional; when present it must be the one `meta.severity` maps to."""
    expected = GX_SEVERITY[meta["severity"]]
    if "severity" in expectation and expectation["severity"] != expected:
        raise _problem(
            where,
            f"severity {expectation['severity']!r} disagrees with meta.severity {meta['severity']!r} "
            f"(which means GX severity {expected!r}); set it to {expected!r} or remove it",
        )


def _rule_from(expectation: Any, suite_name: str, path: Path, where: str) -> Rule:
    if not isinstance(expectation, dict):
        raise _problem(where, "an expectation must be a JSON object")
    meta = expectation.get("meta")
    if not isinstance(meta, dict):
        raise _problem(where, "has no meta object (rule_id, severity, controls... live there)")
    _check_meta(meta, where)
    where = f"{where} ({meta['rule_id']})"
    _check_severity(expectation, meta, where)
    expectation_type = expectation.get("type")
    if expectation_type not in SUPPORTED_TYPES:
        raise _problem(where, f"expectation type {expectation_type!r} is not one the engine can evaluate")
    kwargs = expectation.get("kwargs")
    if not isinstance(kwargs, dict) or not isinstance(kwargs.get("column"), str):
        raise _problem(where, "kwargs must name the column the expectation tests")
    if not isinstance(kwargs.get("row_condition"), dict | None):
        raise _problem(where, "row_condition must be a GX condition object (see the other rules)")
    return Rule(
        rule_id=meta["rule_id"],
        title=meta["title"],
        family=meta["family"],
        severity=meta["severity"],
        subject=meta["subject"],
        depends_on=tuple(meta["depends_on"]),
        observed_column=meta["observed_column"],
        expectation_type=expectation_type,
        column=kwargs["column"],
        kwargs=kwargs,
        meta=meta,
        suite_name=suite_name,
        suite_path=path,
        expectation=expectation,
    )


def parse_suite(document: Any, path: Path) -> Suite:
    """Validate one suite document already read from `path`; raise SuiteError naming what is wrong."""
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        raise _problem(str(path), "not a suite: expected an object with a 'name'")
    expectations = document.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise _problem(str(path), "the suite has no expectations")
    rules = tuple(
        _rule_from(expectation, document["name"], path, f"{path}: expectation #{index + 1}")
        for index, expectation in enumerate(expectations)
    )
    return Suite(name=document["name"], path=path, document=document, rules=rules)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _problem(str(path), f"cannot read suite file ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise _problem(str(path), f"not valid JSON at line {error.lineno}, column {error.colno}") from None


def check_unique_rule_ids(suites: Iterable[Suite]) -> None:
    """Rule ids are the stable key of findings and history, so one id must mean one expectation."""
    seen: dict[str, Path] = {}
    for suite in suites:
        for rule in suite.rules:
            if rule.rule_id in seen:
                raise SuiteError(f"{suite.path}: rule id {rule.rule_id} is already defined in {seen[rule.rule_id]}")
            seen[rule.rule_id] = suite.path


WINDOW_SETTINGS: tuple[str, ...] = ("activity_lookback_days", "learned_baseline_days")
"""Configured windows a rule's title and texts may state as `{name}`: they read the configured value, never a
default the configuration changed."""


def rule_windows(config: AssuranceConfig | None = None) -> dict[str, int]:
    """The window settings of a configuration (the defaults without one)."""
    config = config if config is not None else AssuranceConfig()
    return {name: int(getattr(config, name)) for name in WINDOW_SETTINGS}


def _stated(rule: Rule, windows: Mapping[str, int]) -> Rule:
    def text(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        for name, days in windows.items():
            value = value.replace("{" + name + "}", str(days))
        return value

    meta = {key: text(value) for key, value in rule.meta.items()}
    return replace(rule, title=text(rule.title), meta=meta)


def load_suites(
    folder: str | Path | None = None, disabled: Collection[str] = (), windows: Mapping[str, int] | None = None
) -> list[Suite]:
    """Read every `*.json` in `folder` (default: the packaged `expectations/`), sorted by file name.

    `disabled`: rule ids the configuration's `disabled_rules` takes out (config.py `DisabledRule`); the suite files
    stay as they are, so their sha256 in the evidence still names what was reviewed. `windows`: the configured
    windows titles and texts state (`rule_windows(config)`; the defaults when omitted)."""
    root = Path(folder) if folder is not None else DEFAULT_FOLDER
    paths = sorted(root.glob("*.json"))
    if not paths:
        raise SuiteError(f"{root}: no suite files (*.json) found")
    suites = [parse_suite(_read(path), path) for path in paths]
    check_unique_rule_ids(suites)
    stated = windows if windows is not None else rule_windows()
    return [
        replace(suite, rules=tuple(_stated(r, stated) for r in suite.rules if r.rule_id not in disabled))
        for suite in suites
    ]


def all_rules(suites: Iterable[Suite]) -> list[Rule]:
    """Every rule of every suite, in rule-id order (the order of findings and results)."""
    return sorted((rule for suite in suites for rule in suite.rules), key=lambda rule: rule.rule_id)
