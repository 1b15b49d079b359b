"""The evaluation step: the stored inventory judged by the rule suites, findings and rule results stored per day.

No AWS calls: it reads the inventory, the note of the inputs it was built with, and the day's newest probe run. The
exports (findings.json/csv, OCSF, OSCAL) are written when the report is published, after waivers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from assurance_jobs.config import AssuranceConfig
from assurance_jobs.evaluate.engine import Evaluation, EvaluationInputs, evaluate
from assurance_jobs.evaluate.probes import merge_evaluations
from assurance_jobs.evaluate.suites import load_suites, rule_windows
from assurance_jobs.snapshot.storage import storage_for
from assurance_jobs.sources import baseline, cloudtrail_history, directory_feed, previous_partition
from assurance_jobs.steps.inventory import input_citations
from assurance_jobs.steps.lifecycle import store_lifecycle
from assurance_jobs.steps.probes import evaluate_stored_probes
from assurance_jobs.steps.tables import INCOMPLETE_RESOURCES, inventory_source, load_inventory, store_table


@dataclass(frozen=True)
class EvaluationOutcome:
    evaluation: Evaluation
    snapshot_id: str
    findings_location: str


def evaluate_partition(config: AssuranceConfig, partition_date: date) -> EvaluationOutcome:
    """Judge the stored inventory with the rule suites and store findings, rule results and incomplete resources."""
    inventory = load_inventory(config, partition_date)
    source = inventory_source(config, partition_date)
    snapshot_id = str(source["snapshot_id"])
    suites = load_suites(config.expectations_dir, config.disabled_rule_ids, rule_windows(config))
    evaluation = evaluate(
        EvaluationInputs(
            tables={
                "identities": inventory.identities,
                "credentials": inventory.credentials,
                "agents": inventory.agents,
                "kubernetes_subjects": inventory.kubernetes_subjects,
                "kubernetes_tokens": inventory.kubernetes_tokens,
            },
            collection_status=inventory.collection_status,
            suites=suites,
            snapshot_id=snapshot_id,
            partition_date=partition_date,
            inputs_present=inputs_present(config, source),
            input_files=input_citations(source),
        )
    )
    storage = storage_for(config.storage_root)
    probes, probe_evaluation = evaluate_stored_probes(config, storage, partition_date, suites)
    store_table(storage, partition_date, "probes", probes)
    evaluation = merge_evaluations(evaluation, probe_evaluation)
    location = store_table(storage, partition_date, "findings", evaluation.findings)
    store_table(storage, partition_date, "rule_results", evaluation.rule_results)
    store_table(storage, partition_date, INCOMPLETE_RESOURCES, evaluation.incomplete_resources)
    seen_at = str(source.get("taken_at") or f"{partition_date.isoformat()}T00:00:00+00:00")
    store_lifecycle(storage, partition_date, evaluation.findings, evaluation.rule_results, seen_at)
    return EvaluationOutcome(evaluation, snapshot_id, location)


def inputs_present(config: AssuranceConfig, source: dict[str, Any]) -> frozenset[str]:
    """The configured inputs and history the stored inventory was built with (`source_snapshot.json`)."""
    present = {
        directory_feed.SOURCE.name: config.directory_feed is not None,
        baseline.SOURCE.name: _baseline_present(config, source),
        previous_partition.SOURCE.name: source.get("previous_partition") is not None,
        cloudtrail_history.SOURCE.name: bool(source.get("activity_history_complete")),
    }
    return frozenset(name for name, here in present.items() if here)


def _baseline_present(config: AssuranceConfig, source: dict[str, Any]) -> bool:
    """Judged by what the inventory was built with; inventories stored before inputs were cited: the config."""
    if "inputs" in source:
        return "baseline" in source["inputs"]
    return config.baseline_dir is not None
