"""Run one subject table's rules through Great Expectations and return, per rule, which rows were judged.

GX is the judge: which rows fail comes from its `unexpected_index_list`. Two things need care.

* Speed. `unexpected_index_column_names` looks failing rows up one by one and is ruinous at high failure rates
  (see the stack notes), so the batch keeps a RangeIndex and the integer positions GX returns are mapped back to
  rows by the caller in one vectorised take. GX only sees the columns the rules read, because every metric
  re-applies the row condition and copies the filtered rows.
* The evaluated count. Results are needed per account and region, which GX does not report, so the scope mask is
  recomputed here from the *same* filter clause GX's pandas engine builds (`condition_to_filter_clause`, then
  `DataFrame.eval`, which is what `DataFrame.query` does), and checked against GX's `element_count`.

Nulls. GX column-map expectations skip null values, which would turn "rotation_enabled is unknown" into a pass.
Missing evidence is never a pass here, so a null observed value inside a rule's scope counts as a failure of the
range and set rules (the not-null rules already fail on it).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from assurance_jobs.evaluate.suites import GX_SEVERITY, Rule, SuiteError

_NULL_FAILS = frozenset({"expect_column_values_to_be_between", "expect_column_values_to_be_in_set"})
_RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False}


class EvaluationError(Exception):
    """The rules could not be evaluated over the given tables (a missing column, a GX failure)."""


@dataclass(frozen=True)
class RuleOutcome:
    """Rows a rule looked at (`in_scope`, a mask over the table) and rows it failed (sorted positions)."""

    rule: Rule
    in_scope: np.ndarray
    failed: np.ndarray


def _condition_columns(condition: Any) -> Iterator[str]:
    if isinstance(condition, dict):
        column = condition.get("column")
        if isinstance(column, dict) and isinstance(column.get("name"), str):
            yield column["name"]
        for child in condition.get("conditions", []):
            yield from _condition_columns(child)


def columns_needed(rule: Rule) -> list[str]:
    """Every column a rule reads: the tested column, the scope's columns and the observed column."""
    names = [rule.column, *_condition_columns(rule.row_condition), rule.observed_column]
    return list(dict.fromkeys(names))


def _narrow(table: pd.DataFrame, rules: Sequence[Rule], subject: str) -> pd.DataFrame:
    wanted: list[str] = []
    for rule in rules:
        missing = [name for name in columns_needed(rule) if name not in table.columns]
        if missing:
            raise EvaluationError(
                f"{rule.rule_id} reads {', '.join(missing)} from the {subject} table, which does not have it"
            )
        wanted.extend(name for name in columns_needed(rule) if name not in wanted)
    frame = table[wanted].reset_index(drop=True)
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.StringDtype) or frame[name].dtype == object:
            frame[name] = _categorical(frame[name])
        elif _nullable_number(frame[name]):
            # GX compares nullable Int64/Float64 one Python value at a time; float64 (NA → NaN) is vectorised.
            frame[name] = frame[name].astype("float64")
    return frame


def _nullable_number(column: pd.Series) -> bool:
    dtype = column.dtype
    return (
        pd.api.types.is_extension_array_dtype(dtype)
        and pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
    )


def _categorical(column: pd.Series) -> pd.Series:
    """Text as categories: every row condition is re-applied per metric, and comparing codes beats strings."""
    try:
        return column.astype("category")
    except TypeError:  # unhashable values (lists): leave them alone
        return column


def _gx_expectation(gx: Any, rule: Rule) -> Any:
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    # Only the rule id travels into GX: GX copies an expectation's configuration (meta included) hundreds of
    # times per run, and the long rationale/controls texts made that the dominant cost.
    # The GX severity is derived from the rule's severity, so the two can never disagree.
    body = {key: rule.expectation[key] for key in ("type", "kwargs")}
    body["severity"] = GX_SEVERITY[rule.severity]
    body["meta"] = {"rule_id": rule.rule_id}
    try:
        return ExpectationConfiguration(**body).to_domain_obj()
    except Exception as error:  # GX raises many types; all mean the same to the suite's editor
        raise SuiteError(f"{rule.suite_path}: {rule.rule_id}: Great Expectations rejects it: {error}") from None


def _import_gx() -> Any:
    """GX is imported only when rules run (seconds of import time); its own import-time noise is not ours."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
    return gx


@lru_cache(maxsize=1)
def _context() -> Any:
    """One ephemeral GX context per process, made once: every evaluation of the process (the demo's days, a
    re-evaluation) reuses it and its data sources."""
    gx = _import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@cache
def _whole_table(subject: str) -> Any:
    """The subject table's one batch definition, reused by every rule: each new data asset or batch definition
    makes GX serialise its whole project configuration to YAML, which cost more than the rule itself."""
    source = _context().data_sources.add_pandas(f"{subject}_source")
    return source.add_dataframe_asset(subject).add_batch_definition_whole_dataframe("whole_table")


def _run_rule(frame: pd.DataFrame, rule: Rule, subject: str) -> dict[str, Any]:
    """One rule over only the columns it reads: GX re-filters the frame for every metric, and filtering four
    columns instead of the thirty all rules of a table read made 1M-row evaluation several times faster."""
    gx = _import_gx()
    batch = _whole_table(subject).get_batch(batch_parameters={"dataframe": frame[columns_needed(rule)]})
    suite = gx.ExpectationSuite(name=rule.rule_id, expectations=[_gx_expectation(gx, rule)])
    # Batch.validate, not a ValidationDefinition: the latter also stores (deep-copies and serialises) the whole
    # result, unexpected lists included, which cost more than the validation itself at 1M rows.
    run = batch.validate(suite, result_format=_RESULT_FORMAT)
    by_rule: dict[str, Any] = {}
    for result in run.results:
        rule_id = result.expectation_config.meta["rule_id"]
        info = result.exception_info or {}
        if info.get("raised_exception"):
            raise EvaluationError(f"{rule_id}: Great Expectations failed: {info.get('exception_message')}")
        by_rule[rule_id] = result.result
    return by_rule


def _scope_mask(frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    if rule.row_condition is None:
        return np.ones(len(frame), dtype=bool)
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.row_conditions import deserialize_row_condition

    clause = PandasExecutionEngine().condition_to_filter_clause(deserialize_row_condition(rule.row_condition))
    mask = frame.eval(clause)
    return np.asarray(pd.Series(mask).fillna(False), dtype=bool)


def _outcome(frame: pd.DataFrame, rule: Rule, result: Mapping[str, Any]) -> RuleOutcome:
    in_scope = _scope_mask(frame, rule)
    if int(in_scope.sum()) != int(result["element_count"]):
        raise EvaluationError(
            f"{rule.rule_id}: scope holds {int(in_scope.sum())} rows but GX evaluated {result['element_count']}"
        )
    failed = np.asarray(result.get("unexpected_index_list") or [], dtype=np.int64)
    if rule.expectation_type in _NULL_FAILS:
        nulls = np.flatnonzero(in_scope & frame[rule.column].isna().to_numpy())
        failed = np.union1d(failed, nulls)
    return RuleOutcome(rule=rule, in_scope=in_scope, failed=np.unique(failed))


def run_rules(table: pd.DataFrame, rules: Sequence[Rule], subject: str) -> dict[str, RuleOutcome]:
    """Evaluate `rules` (all with this `subject`) over `table`; positions refer to `table`'s row order."""
    if not rules:
        return {}
    frame = _narrow(table, rules, subject)
    if frame.empty:
        empty = np.zeros(0, dtype=bool)
        return {rule.rule_id: RuleOutcome(rule, empty, np.zeros(0, dtype=np.int64)) for rule in rules}
    results: dict[str, Any] = {}
    for rule in rules:
        results.update(_run_rule(frame, rule, subject))
    return {rule.rule_id: _outcome(frame, rule, results[rule.rule_id]) for rule in rules}
