"""Publish a partition: gather the stored evidence into a ReportBundle, render the HTML, write the exports.

Everything here is read back from storage (snapshot manifest, inventory, findings) so a report can be
reproduced from stored evidence alone; the as-of time is the snapshot's, never the clock. The Dagster run id
varies between reproductions: it is recorded in `provenance.json` and printed in exactly one place, the evidence
page's `dagster-run-id` entry, so every other byte of a reproduction matches.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from assurance_jobs import __version__
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.evaluate.engine import Evaluation
from assurance_jobs.evaluate.export import write_findings_exports
from assurance_jobs.evaluate.findings import observed_kind, with_finding_ids
from assurance_jobs.evaluate.lifecycle import (
    mean_time_to_remediate,
    missing_days,
    not_rechecked,
    published_lifecycle,
    resolved_on,
)
from assurance_jobs.evaluate.suites import Rule, Suite, all_rules, load_suites, rule_windows
from assurance_jobs.output.bundle import (
    FAMILIES,
    DriftDay,
    Evidence,
    EvidenceFile,
    HistoryPoint,
    Lifecycle,
    ReportBundle,
)
from assurance_jobs.output.casing import aws_case
from assurance_jobs.output.catalogue import load_catalogue
from assurance_jobs.output.drift import drift_changes
from assurance_jobs.output.html import RenderProgress, render_index, render_report
from assurance_jobs.output.ocsf import write_ocsf
from assurance_jobs.output.oscal import catalogue_titles, write_oscal
from assurance_jobs.output.probes import probe_views
from assurance_jobs.output.sealed_folder import PROVENANCE_FILE, seal, staged_folder
from assurance_jobs.output.status import open_counts_by_family, with_waived_scopes
from assurance_jobs.output.waivers import Waiver, apply_waivers, load_waivers
from assurance_jobs.probes.evidence import latest_probe_run, stored_records
from assurance_jobs.scan.runtime_learned import runtime_coverage
from assurance_jobs.snapshot.model import Manifest
from assurance_jobs.snapshot.signing import Signer
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.snapshot.store import (
    MANIFEST_NAME,
    list_partition_dates,
    list_snapshots,
    manifest_link,
    read_manifest,
)
from assurance_jobs.steps.layout import (
    PROBES_PREFIX,
    output_day_dir,
    probe_run_prefix,
    snapshot_prefix,
    source_snapshot_key,
)
from assurance_jobs.steps.lifecycle import previous_stored_day, stored_ledger
from assurance_jobs.steps.signing import configured_signer
from assurance_jobs.steps.tables import (
    DRIFT_TABLES,
    days_with_table,
    has_table,
    inventory_source,
    load_inventory,
    read_incomplete_resources,
    read_table,
    source_note,
)

OCSF_FILE = "findings.ocsf.json"
OSCAL_FILE = "assessment-results.oscal.json"
INPUTS_FOLDER = "inputs"
"""The report's own copies of the rule suites and the waiver file it was judged with (`inputs/`)."""


@dataclass(frozen=True)
class Publication:
    index: Path
    report_index: Path
    exports: list[Path]


def publish_partition(
    config: AssuranceConfig, partition_date: date, run_id: str | None, on_group: RenderProgress | None = None
) -> Publication:
    """Render the day's report (`on_group` hears of each page group) and write its exports and provenance — into
    a hidden folder that replaces `output_dir/<day>/` in one step once complete and sealed (SHA256SUMS, signed with
    the configured key, every file read-only). A crash mid-way leaves the previous report of the day intact."""
    storage = storage_for(config.storage_root)
    signer = configured_signer(config)
    bundle = build_bundle(config, storage, partition_date, signer)
    bundle = replace(bundle, evidence=replace(bundle.evidence, dagster_run_id=run_id))
    final = output_day_dir(config.output_dir, partition_date)
    with staged_folder(final) as folder:
        _copy_inputs(config, folder)
        render_report(bundle, folder, on_group=on_group)
        exports = _write_machine_exports(bundle, folder, storage)
        provenance = {**_provenance(bundle, run_id), **_stored_anchors(storage, partition_date)}
        (folder / PROVENANCE_FILE).write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")
        seal(folder, signer)
    index = render_index(Path(config.output_dir), _published_dates(config, storage))
    return Publication(index=index, report_index=final / "index.html", exports=[final / p.name for p in exports])


def _provenance(bundle: ReportBundle, run_id: str | None) -> dict:
    """Which run produced the report, from which snapshot (its manifest's sha256 and chain link), signed by whom."""
    evidence = bundle.evidence
    return {
        "dagster_run_id": run_id,
        "snapshot_id": evidence.snapshot_id,
        "snapshot_manifest": snapshot_prefix(bundle.partition_date, evidence.snapshot_id or "") + "/" + MANIFEST_NAME,
        "snapshot_manifest_sha256": evidence.manifest_sha256,
        "previous_manifest": evidence.previous_manifest,
        "signing_key": evidence.signing_key,
        "tool_version": __version__,
    }


def _stored_anchors(storage: Storage, partition_date: date) -> dict:
    """The other stored files the report rests on, each with the sha256 it had: the inventory's source note (which
    cites the inputs and history it was judged with) and the day's probe-run manifests. Sealed in the signed
    report, they let `verify` catch a note or a probe run rewritten after the day was published — including the
    newest probe run, which no later manifest vouches for."""
    note = source_snapshot_key(partition_date)
    anchors: dict = {"inventory_note": {"path": note, "sha256": hashlib.sha256(storage.read_bytes(note)).hexdigest()}}
    runs = []
    for run_id in list_snapshots(storage, partition_date, PROBES_PREFIX):
        key = f"{probe_run_prefix(partition_date, run_id)}/{MANIFEST_NAME}"
        runs.append({"path": key, "sha256": hashlib.sha256(storage.read_bytes(key)).hexdigest()})
    anchors["probe_runs"] = runs
    return anchors


def _copy_inputs(config: AssuranceConfig, folder: Path) -> None:
    """The suites and the waiver file the report was judged with, copied into it: an auditor holding only the
    report holds the rules and the accepted risks too (each listed with its sha256 on the evidence page)."""
    for suite in load_suites(config.expectations_dir):
        target = folder / INPUTS_FOLDER / "expectations" / suite.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(suite.path, target)
    if config.waivers_file:
        target = folder / INPUTS_FOLDER / Path(config.waivers_file).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(config.waivers_file, target)


def build_bundle(
    config: AssuranceConfig, storage: Storage, partition_date: date, signer: Signer | None = None
) -> ReportBundle:
    """Everything the renderer needs, read from storage (no AWS, no clock)."""
    inventory = load_inventory(config, partition_date)
    source = inventory_source(config, partition_date)
    manifest = read_manifest(storage, partition_date, str(source["snapshot_id"]))
    suites = load_suites(config.expectations_dir, windows=rule_windows(config))
    every_rule = all_rules(suites)
    waivers = _waivers(config, every_rule)  # a waiver of a rule disabled later is not an error
    rules = [rule for rule in every_rule if rule.rule_id not in config.disabled_rule_ids]
    sla = config.finding_sla_days.model_dump()
    stored = _with_kinds(with_finding_ids(read_table(storage, partition_date, "findings")), every_rule)
    waived = _aws_cased(apply_waivers(stored, waivers, partition_date))
    lifecycle = _lifecycle(storage, partition_date, sla)
    findings = published_lifecycle(waived, lifecycle.ledger, partition_date, sla)
    rule_results = with_waived_scopes(read_table(storage, partition_date, "rule_results"), findings)
    return ReportBundle(
        partition_date=partition_date,
        as_of=manifest.taken_at,
        accounts=manifest.accounts,
        identities=inventory.identities,
        credentials=inventory.credentials,
        findings=findings,
        rule_results=rule_results,
        rules=[rule_description(rule) for rule in rules],
        catalogue=load_catalogue(),
        collection_status=[status.to_dict() for status in manifest.collection_status],
        evidence=_evidence(storage, manifest, suites, config.waivers_file, source, signer),
        history=_history(storage, partition_date, waivers),
        previous_findings=_previous_findings(storage, partition_date),
        waivers=waivers,
        drift=_drift(storage, partition_date),
        drift_history=read_drift_history(storage, partition_date, config.drift_history_days),
        probes=_probes(storage, partition_date, read_table(storage, partition_date, "rule_results")),
        policies=inventory.policies,
        activity=inventory.activity if len(inventory.activity.columns) else None,
        account_status=manifest.account_status,
        input_warnings=list(source.get("warnings") or []),
        incomplete_resources=read_incomplete_resources(storage, partition_date),
        disabled_rules=disabled_rule_records(config, every_rule),
        lifecycle=replace(lifecycle, resolved=_resolved_rows(storage, partition_date, lifecycle, waivers)),
        previous_report=lifecycle.previous_day,
        kubernetes_subjects=inventory.kubernetes_subjects,
        agents=inventory.agents if len(inventory.agents.columns) else None,
        agent_tools=inventory.agent_tools if len(inventory.agent_tools.columns) else None,
    )


def _with_kinds(findings: pd.DataFrame, rules: list[Rule]) -> pd.DataFrame:
    """Rows stored before findings carried `observed_kind` take their rule's declared kind (never a guess)."""
    if not len(findings):
        return findings
    declared = {rule.rule_id: observed_kind(rule.meta, rule.observed_column) for rule in rules}
    stored = findings["observed_kind"].where(findings["observed_kind"].notna() & (findings["observed_kind"] != "text"))
    return findings.assign(observed_kind=stored.fillna(findings["rule_id"].map(declared)).fillna("text"))


def _lifecycle(storage: Storage, partition_date: date, sla: dict[str, int]) -> Lifecycle:
    ledger = stored_ledger(storage, partition_date)
    previous = previous_stored_day(storage, partition_date)
    return Lifecycle(
        previous_day=previous,
        missing_days=missing_days(previous, partition_date),
        ledger=ledger,
        not_rechecked=not_rechecked(ledger, partition_date),
        mean_time_to_remediate=mean_time_to_remediate(ledger, FAMILIES),
        sla_days=sla,
    )


def _resolved_rows(storage: Storage, day: date, lifecycle: Lifecycle, waivers: list[Waiver]) -> pd.DataFrame | None:
    """The findings resolved on `day`, as the previous stored day published them (observed value included)."""
    if lifecycle.previous_day is None or lifecycle.ledger is None:
        return None
    closed = resolved_on(lifecycle.ledger, day)
    before = with_finding_ids(read_table(storage, lifecycle.previous_day, "findings"))
    rows = before[before["finding_id"].isin(set(closed["finding_id"]))]
    rows = apply_waivers(rows, waivers, day)
    dates = closed.set_index("finding_id")
    return rows.assign(
        lifecycle_status="resolved",
        seen_status="resolved",
        first_seen=rows["finding_id"].map(dates["first_seen"]),
        first_seen_at=rows["finding_id"].map(dates["first_seen_at"]),
        last_seen=rows["finding_id"].map(dates["last_seen"]),
        last_seen_at=rows["finding_id"].map(dates["last_seen_at"]),
        resolved_on=day.isoformat(),
    )


def disabled_rule_records(config: AssuranceConfig, rules: list[Rule]) -> list[dict[str, str]]:
    """The configuration's `disabled_rules`, each with its rule's title, for the report and findings.json."""
    titles = {rule.rule_id: str(rule.meta.get("title", "")) for rule in rules}
    return [
        {
            "rule_id": d.rule_id,
            "title": titles.get(d.rule_id, ""),
            "justification": d.justification,
            "approver": d.approver,
        }
        for d in config.disabled_rules
    ]


def _aws_cased(findings: pd.DataFrame) -> pd.DataFrame:
    """Observed action lists in AWS casing (`kms:CreateGrant`), so the exports read exactly as the HTML does."""
    if "observed" not in findings.columns or findings.empty:
        return findings
    return findings.assign(observed=findings["observed"].map(lambda v: aws_case(v) if isinstance(v, str) else v))


def rule_description(rule: Rule) -> dict:
    return {**rule.meta, "threshold": rule.threshold, "expectation_type": rule.expectation_type}


def _waivers(config: AssuranceConfig, rules: list[Rule]) -> list[Waiver]:
    if not config.waivers_file:
        return []
    return load_waivers(config.waivers_file, known_rule_ids=[rule.rule_id for rule in rules])


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _evidence(
    storage: Storage,
    manifest: Manifest,
    suites: list[Suite],
    waivers_file: str | None,
    source: dict,
    signer: Signer | None = None,
) -> Evidence:
    """Every file the report rests on, by a path relative to the storage root (`store`) or to the report folder
    (`report`: the copied suites and waiver file) — never a host path — with its sha256."""
    prefix = snapshot_prefix(manifest.partition_date, manifest.snapshot_id)
    link = manifest_link(storage, manifest.partition_date, manifest.snapshot_id)
    files = [EvidenceFile(path=f"{prefix}/{MANIFEST_NAME}", sha256=link["sha256"], kind="manifest")]
    files += [
        EvidenceFile(path=f"{prefix}/{entry.path}", sha256=entry.sha256, bytes=entry.bytes) for entry in manifest.files
    ]
    files += _previous_snapshot_manifest(storage, source)
    probe_files, probe_root = _probe_evidence(storage, manifest.partition_date)
    files += probe_files
    files += [
        EvidenceFile(
            path=f"{INPUTS_FOLDER}/expectations/{s.path.name}", sha256=_sha256_file(s.path), kind="suite", base="report"
        )
        for s in suites
    ]
    if waivers_file:
        path = Path(waivers_file)
        files.append(
            EvidenceFile(path=f"{INPUTS_FOLDER}/{path.name}", sha256=_sha256_file(path), kind="waivers", base="report")
        )
    for copy in (source.get("inputs") or {}).get("baseline", []):
        files.append(
            EvidenceFile(path=_store_key(storage, str(copy["path"])), sha256=str(copy["sha256"]), kind="baseline")
        )
    roots = [("snapshot", prefix)] + ([("probe run", probe_root)] if probe_root else [])
    roots += [(kind, folder) for kind, folder in _folders(files) if kind not in ("snapshot", "probe", "manifest")]
    return Evidence(
        snapshot_id=manifest.snapshot_id,
        files=files,
        tool_version=__version__,
        roots=roots,
        manifest_sha256=link["sha256"],
        previous_manifest=manifest.previous_manifest,
        signing_key=signer.fingerprint if signer is not None else manifest.signing_key,
    )


def _store_key(storage: Storage, path: str) -> str:
    """A stored path as a key relative to the storage root (inventories stored before keys were cited hold the
    storage's location of the file)."""
    root = storage.location().rstrip("/") + "/"
    return path[len(root) :] if path.startswith(root) else path


def _previous_snapshot_manifest(storage: Storage, source: dict) -> list[EvidenceFile]:
    """The previous day's manifest: the drift rules compared this day with the inventory built from it."""
    previous = source.get("previous_partition")
    if not previous:
        return []
    day = date.fromisoformat(str(previous))
    try:
        snapshot_id = str(source_note(storage, day)["snapshot_id"])
        link = manifest_link(storage, day, snapshot_id)
    except (FileNotFoundError, KeyError):
        return []
    path = f"{snapshot_prefix(day, snapshot_id)}/{MANIFEST_NAME}"
    return [EvidenceFile(path=path, sha256=link["sha256"], kind="previous day")]


def _folders(files: list[EvidenceFile]) -> list[tuple[str, str]]:
    """(kind, folder) of every folder the files of a kind sit in, in first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    for file in files:
        seen.setdefault((file.kind, file.path.rpartition("/")[0]), None)
    return [(kind, folder) for kind, folder in seen if folder]


def _stored_days(storage: Storage, partition_date: date) -> list[date]:
    """Partition dates up to this one whose findings were stored (the history the trend can honestly show)."""
    return days_with_table(storage, "rule_results", before=partition_date + timedelta(days=1))


def _history(storage: Storage, partition_date: date, waivers: list[Waiver]) -> list[HistoryPoint]:
    """Open findings per family per stored day (waivers in force on that day excluded, as in the summary)."""
    points = []
    for day in _stored_days(storage, partition_date):
        findings = apply_waivers(read_table(storage, day, "findings"), waivers, day)
        points.append(HistoryPoint(day=day, counts=open_counts_by_family(findings)))
    return points


def _previous_findings(storage: Storage, partition_date: date) -> pd.DataFrame | None:
    earlier = [day for day in _stored_days(storage, partition_date) if day < partition_date]
    return read_table(storage, earlier[-1], "findings") if earlier else None


def _drift(storage: Storage, partition_date: date) -> dict[str, pd.DataFrame]:
    return {
        table: read_table(storage, partition_date, f"drift_{table}")
        for table in DRIFT_TABLES
        if has_table(storage, partition_date, f"drift_{table}")
    }


def read_drift_history(storage: Storage, partition_date: date, days: int) -> list[DriftDay]:
    """The `days - 1` stored days before this one, newest first, each with its changed drift rows.

    A stored day without drift tables (the first stored day) is kept with none, so the window stays the stored
    days it says it covers; gaps between stored days are simply not there. Only rows that are changes are kept
    (privilege creep lists every identity): thirty days of an estate's unchanged rows would stay in memory."""
    earlier = [day for day in _stored_days(storage, partition_date) if day < partition_date]
    window = earlier[-(days - 1) :] if days > 1 else []
    return [
        DriftDay(day=day, tables={table: drift_changes(table, frame) for table, frame in _drift(storage, day).items()})
        for day in reversed(window)
    ]


def _probe_run(storage: Storage, partition_date: date):
    return latest_probe_run(storage, partition_date)


def _probes(storage: Storage, partition_date: date, rule_results: pd.DataFrame) -> list[dict]:
    """The probe page's views: the day's `probes` table, with each target's stored timeline."""
    if not has_table(storage, partition_date, "probes"):
        return []
    run = _probe_run(storage, partition_date)
    records = [record for record, _, _ in stored_records(run)] if run is not None else []
    return probe_views(read_table(storage, partition_date, "probes"), records, rule_results)


def _probe_evidence(storage: Storage, partition_date: date) -> tuple[list[EvidenceFile], str | None]:
    """The day's newest probe run's files, and the folder they are stored in (None: no probe run)."""
    run = _probe_run(storage, partition_date)
    if run is None:
        return [], None
    prefix = probe_run_prefix(partition_date, run.manifest.snapshot_id)
    files = [
        EvidenceFile(path=f"{prefix}/{entry.path}", sha256=entry.sha256, bytes=entry.bytes, kind="probe")
        for entry in run.manifest.files
    ]
    return files, prefix


def _published_dates(config: AssuranceConfig, storage: Storage) -> list[date]:
    root = Path(config.output_dir)
    return [day for day in list_partition_dates(storage) if (root / day.isoformat() / "index.html").is_file()]


def _write_machine_exports(bundle: ReportBundle, out_dir: Path, storage: Storage) -> list[Path]:
    """findings.json/csv (with waiver state), OCSF and OSCAL, all from the same waived findings."""
    as_of: datetime = bundle.as_of
    incomplete = bundle.incomplete_resources
    if incomplete is None:
        incomplete = read_incomplete_resources(storage, bundle.partition_date)
    evaluation = Evaluation(bundle.findings, bundle.rule_results, incomplete)
    lifecycle = bundle.lifecycle
    life = {
        "compared_with": None if lifecycle.previous_day is None else lifecycle.previous_day.isoformat(),
        "missing_days": [day.isoformat() for day in lifecycle.missing_days],
        "sla_days": dict(lifecycle.sla_days),
        "resolved": lifecycle.resolved,
    }
    coverage = runtime_coverage(bundle.identities)
    plain = write_findings_exports(
        evaluation, out_dir, disabled_rules=bundle.disabled_rules, lifecycle=life, runtime_coverage=coverage
    )
    snapshot_id = bundle.evidence.snapshot_id or ""
    ocsf = write_ocsf(
        out_dir / OCSF_FILE,
        bundle.findings,
        bundle.rules,
        snapshot_id=snapshot_id,
        as_of=as_of,
        tool_version=__version__,
        resolved=lifecycle.resolved,
        partition_date=bundle.partition_date.isoformat(),
    )
    oscal = write_oscal(
        out_dir / OSCAL_FILE,
        bundle.findings,
        bundle.rule_results,
        bundle.rules,
        catalogue_titles(bundle.catalogue),
        evidence=bundle.evidence.files,
        as_of=as_of,
        tool_version=__version__,
        partition_date=bundle.partition_date,
        snapshot_id=snapshot_id,
    )
    return [*plain, ocsf, oscal]
