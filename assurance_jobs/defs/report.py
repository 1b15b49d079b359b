"""The auditor-facing report and its machine-readable exports, one per partition."""

import re
from datetime import date

import dagster as dg

from assurance_jobs.defs.resources import AssuranceSettings

REPORT_PROGRESS = re.compile(r"^rendered (\d+)/(\d+) page groups: (.+)$")
"""The per-page-group log line's shape; the terminal's progress display reads it back (assurance_jobs.app.progress)."""


def report_progress_message(done: int, total: int, group: str) -> str:
    return f"rendered {done}/{total} page groups: {group}"


def report_asset(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The day's report and exports (and the index across days)."""

    @dg.asset(
        partitions_def=partitions,
        deps=["findings", "rule_results"],
        group_name="report",
        kinds={"html"},
        description="Self-contained HTML report per framework, rule and identity, with findings.json/csv, OCSF and "
        "OSCAL exports and an evidence appendix; an index across dates.",
    )
    def compliance_report(context: dg.AssetExecutionContext, settings: AssuranceSettings) -> dg.MaterializeResult:
        from assurance_jobs.steps.publish import publish_partition  # imported by the step that runs it

        publication = publish_partition(
            settings.load(),
            date.fromisoformat(context.partition_key),
            context.run.run_id,
            on_group=lambda done, total, group: context.log.info(report_progress_message(done, total, group)),
        )
        return dg.MaterializeResult(
            metadata={
                "index": dg.MetadataValue.path(str(publication.index.resolve())),
                "report": dg.MetadataValue.path(str(publication.report_index.resolve())),
                "exports": dg.MetadataValue.md("\n".join(f"- `{path}`" for path in publication.exports)),
            }
        )

    return compliance_report


def definitions(partitions: dg.PartitionsDefinition) -> dg.Definitions:
    return dg.Definitions(assets=[report_asset(partitions)])
