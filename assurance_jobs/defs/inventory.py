"""Inventory tables derived from the day's latest snapshot: one Parquet file per table per partition."""

from datetime import date

import dagster as dg

from assurance_jobs.defs.resources import AssuranceSettings

_TABLES = {
    "identities": "One row per IAM user and role, with classification, owner, usage and permission facts.",
    "credentials": "One row per access key, console password, secret and server certificate, with ages.",
    "policies": "Every policy document that applies to a principal (inline, managed, group, boundary, trust).",
    "collection_status": "Which API calls completed, per account and region: the evidence-completeness record.",
    "agents": "AI agents from the registry, joined to the IAM identity they run as, with approved-scope facts.",
    "activity": "The covered day's CloudTrail activity per account and region: who called what, from where, how often.",
}


def inventory_assets(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The inventory tables of a day as one multi-asset (one step builds them all from the snapshot)."""

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(name, description=text, deps=["nhi_snapshot"], group_name="inventory", kinds={"parquet"})
            for name, text in _TABLES.items()
        ],
        partitions_def=partitions,
    )
    def inventory_tables(context: dg.AssetExecutionContext, settings: AssuranceSettings):
        from assurance_jobs.steps.collect import load_partition_snapshot
        from assurance_jobs.steps.inventory import build_partition_inventory, store_drift, store_inventory

        config = settings.load()  # the step imports what it runs; loading the definitions does not
        partition_date = date.fromisoformat(context.partition_key)
        snapshot = load_partition_snapshot(config, partition_date, snapshot_taken_by_this_run(context))
        built = build_partition_inventory(config, snapshot)
        inventory = built.inventory
        for warning in inventory.parse_warnings:
            context.log.warning(warning)
        locations = store_inventory(
            config, partition_date, inventory, snapshot.manifest, built.previous_date, runtime=built.runtime
        )
        drift_counts = store_drift(config, partition_date, built.drift)
        for table, location in locations.items():
            if table not in _TABLES:  # stored for later steps, not an asset of its own (the escalation links)
                continue
            frame = getattr(inventory, table)
            yield dg.MaterializeResult(
                asset_key=table,
                metadata={
                    "dagster/row_count": len(frame),
                    "location": dg.MetadataValue.path(location),
                    "snapshot_id": snapshot.manifest.snapshot_id,
                    "as_of": snapshot.manifest.taken_at.isoformat(),
                    "accounts": ", ".join(snapshot.manifest.accounts) or "(none)",
                    **_extra_metadata(table, frame),
                    **(_drift_metadata(built.previous_date, drift_counts) if table == "identities" else {}),
                },
            )

    return inventory_tables


def definitions(partitions: dg.PartitionsDefinition) -> dg.Definitions:
    return dg.Definitions(assets=[inventory_assets(partitions)])


def snapshot_taken_by_this_run(context: dg.AssetExecutionContext) -> str | None:
    """The snapshot this run's `nhi_snapshot` step recorded, if it ran: not "the latest of the day", which another
    run may have committed meanwhile (findings from one snapshot, provenance from another). None in an
    evaluate-only run, which judges the day's latest stored snapshot."""
    for entry in context.instance.all_logs(context.run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is not None and materialization.asset_key == dg.AssetKey("nhi_snapshot"):
            value = materialization.metadata.get("snapshot_id")
            return None if value is None else str(getattr(value, "value", value))
    return None


def _drift_metadata(previous_date, drift_counts: dict[str, int]) -> dict:
    if previous_date is None:
        return {"drift_compared_with": "nothing (first stored day)"}
    return {"drift_compared_with": previous_date.isoformat(), **{f"drift_{k}": v for k, v in drift_counts.items()}}


def _extra_metadata(table: str, frame) -> dict:
    if table == "collection_status":
        return {"api_errors": int((frame["status"] != "ok").sum()) if len(frame) else 0}
    if table == "identities" and len(frame):
        return {"non_human_identities": int(frame["is_nhi"].sum())}
    return {}
