"""Evaluation: the Great Expectations suites over the day's inventory, one asset check per rule."""

from collections.abc import Sequence
from datetime import date

import dagster as dg
import pandas as pd

from assurance_jobs.config import ConfigError
from assurance_jobs.defs.resources import AssuranceSettings
from assurance_jobs.evaluate.suites import Rule, SuiteError, all_rules, load_suites, rule_windows
from assurance_jobs.output.status import PASS, STATUS_LABELS, WAIVED, rule_statuses, with_waived_scopes
from assurance_jobs.output.waivers import apply_waivers, load_waivers

SAMPLE_SIZE = 10


def check_name(rule_id: str) -> str:
    """Dagster names allow [A-Za-z0-9_] only: NHI-ROT-001 → nhi_rot_001."""
    return rule_id.lower().replace("-", "_")


def declared_rules(settings: AssuranceSettings) -> list[Rule]:
    """The rules of the configured `expectations_dir` (default: the packaged suites); each becomes an asset check.

    An unreadable configuration declares the packaged rules and an unusable suite folder declares none, so the
    code location still loads and the run's evaluation step reports the problem where people look for it."""
    try:
        config = settings.load()
        expectations_dir, disabled, windows = config.expectations_dir, config.disabled_rule_ids, rule_windows(config)
    except ConfigError:
        expectations_dir, disabled, windows = None, frozenset(), rule_windows()
    try:
        return all_rules(load_suites(expectations_dir, disabled, windows))
    except SuiteError:
        return []


def evaluation_asset(rules: Sequence[Rule], partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The `findings` / `rule_results` assets with one asset check per rule in `rules`."""

    @dg.multi_asset(
        name="evaluation",
        specs=[
            dg.AssetSpec(
                "findings",
                deps=["identities", "credentials", "collection_status", "probe_results"],
                group_name="evaluate",
                kinds={"parquet"},
                description="One row per (rule, resource) that fails, traced to its snapshot file and sha256.",
            ),
            dg.AssetSpec(
                "rule_results",
                deps=["identities", "credentials", "collection_status", "probe_results"],
                group_name="evaluate",
                kinds={"parquet"},
                description="Per rule and account/region scope: PASS, FAIL or INCOMPLETE, evaluated and failed counts.",
            ),
        ],
        check_specs=[
            dg.AssetCheckSpec(check_name(rule.rule_id), asset="findings", description=f"{rule.rule_id}: {rule.title}")
            for rule in rules
        ],
        partitions_def=partitions,
    )
    def evaluation(context: dg.AssetExecutionContext, settings: AssuranceSettings):
        from assurance_jobs.steps.evaluate import evaluate_partition  # imported by the step that runs it

        config = settings.load()
        partition_date = date.fromisoformat(context.partition_key)
        outcome = evaluate_partition(config, partition_date)
        findings, results = outcome.evaluation.findings, outcome.evaluation.rule_results
        yield dg.MaterializeResult(
            asset_key="findings",
            metadata={
                "dagster/row_count": len(findings),
                "location": dg.MetadataValue.path(outcome.findings_location),
                "snapshot_id": outcome.snapshot_id,
                "by_severity": dg.MetadataValue.json(_counts(findings, "severity")),
            },
        )
        yield dg.MaterializeResult(
            asset_key="rule_results",
            metadata={
                "dagster/row_count": len(results),
                "by_status": dg.MetadataValue.json(_counts(results, "status")),
            },
        )
        waivers = load_waivers(config.waivers_file) if config.waivers_file else []
        waived_findings = apply_waivers(findings, waivers, partition_date)
        published = with_waived_scopes(results, waived_findings)
        for rule in rules:
            yield _check_result(rule, waived_findings, published)

    return evaluation


def definitions(settings: AssuranceSettings, partitions: dg.PartitionsDefinition) -> dg.Definitions:
    """The evaluation asset with the asset checks of the configuration's own rules."""
    return dg.Definitions(assets=[evaluation_asset(declared_rules(settings), partitions)])


def _counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    return {str(key): int(value) for key, value in frame[column].value_counts().sort_index().items()}


def _check_result(rule: Rule, findings: pd.DataFrame, results: pd.DataFrame) -> dg.AssetCheckResult:
    """Passed only when every scope PASSed: a failing resource or missing evidence both fail the check."""
    scopes = results[results["rule_id"] == rule.rule_id]
    failing = findings[findings["rule_id"] == rule.rule_id]
    incomplete = scopes[scopes["status"] == "INCOMPLETE"]
    status = rule_statuses([rule.rule_id], results, findings)[rule.rule_id]  # the report's status, waivers applied
    return dg.AssetCheckResult(
        check_name=check_name(rule.rule_id),
        asset_key="findings",
        passed=status in (PASS, WAIVED) and len(scopes) > 0,
        severity=dg.AssetCheckSeverity.WARN if rule.severity == "low" else dg.AssetCheckSeverity.ERROR,
        metadata={
            "status": STATUS_LABELS[status] if len(scopes) else "INCOMPLETE",
            "failing": len(failing),
            "evaluated": int(scopes["evaluated"].sum()),
            "incomplete_scopes": ", ".join(
                f"{row.account_id}/{row.region or 'global'}" for row in incomplete.itertuples()
            )
            or "none",
            "sample_arns": dg.MetadataValue.md(
                "\n".join(f"- `{arn}`" for arn in failing["resource_arn"].head(SAMPLE_SIZE)) or "none"
            ),
        },
    )
