"""`assurance-jobs baseline propose`: baseline entries and right-sized policies drafted from stored activity.

Reads only storage (the days' activity profiles and the latest inventory), never AWS, and writes two files for
review — `baseline-proposal.yaml` (the baseline file format) and `baseline-proposal.json` (the same entries with a
right-sized policy and granted vs used per NHI). Nothing is applied: the files are refused a place in the
configured baseline folder, where they would be.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import yaml

from assurance_jobs.baseline.proposal import Window, baseline_document, propose
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.evaluate.suites import all_rules, load_suites
from assurance_jobs.input_errors import InputError
from assurance_jobs.output.casing import casing
from assurance_jobs.scan.principal_permissions import permissions_by_principal
from assurance_jobs.scan.runtime_calls import identity_index, resolve_identity
from assurance_jobs.snapshot.storage import Storage, storage_for
from assurance_jobs.steps.inventory import stored_profile
from assurance_jobs.steps.layout import ACTIVITY_PREFIX, activity_days, activity_key, baseline_proposal_dir
from assurance_jobs.steps.tables import days_with_table, load_inventory, read_table

YAML_FILE = "baseline-proposal.yaml"
JSON_FILE = "baseline-proposal.json"


@dataclass(frozen=True)
class ProposalFiles:
    yaml_path: Path
    json_path: Path
    identities: int
    window: Window


def propose_baseline(
    config: AssuranceConfig,
    days: int,
    identities: Sequence[str] = (),
    last_day: date | None = None,
    out_dir: Path | None = None,
) -> ProposalFiles:
    """Draft the proposal from the `days` stored days ending at `last_day` (default: the latest stored)."""
    storage = storage_for(config.storage_root)
    stored = activity_days(storage.children(ACTIVITY_PREFIX))
    if last_day is not None:
        stored = [day for day in stored if day <= last_day]
    if not stored:
        raise InputError(f"{storage.location(ACTIVITY_PREFIX)}: no activity is stored yet (run the daily job first)")
    last = last_day or stored[-1]
    first = last - timedelta(days=days - 1)
    window_days = tuple(d for d in stored if first <= d <= last and storage.exists(activity_key(d, "coverage.json")))
    inventory_days = days_with_table(storage, "identities", before=last + timedelta(days=1))
    if not inventory_days:
        raise InputError(f"{storage.location()}: no inventory stored on or before {last} (run the daily job first)")
    inventory = load_inventory(config, inventory_days[-1])
    index = identity_index(inventory.identities)
    tables = [stored_profile(storage, day, inventory.identities) for day in window_days]
    profiles = (
        pa.concat_tables([t.cast(tables[0].schema) for t in tables]).to_pandas(use_threads=False)
        if tables
        else pd.DataFrame(columns=["principal_arn", "kind", "value"])
    )
    wanted = [resolve_identity(arn, index) for arn in identities]
    window = Window(days, first, last, window_days)
    permissions = permissions_by_principal(inventory.policies)
    flagged, unscreened = runtime_findings(config, storage, window_days, index)
    proposal = propose(profiles, inventory.identities, permissions, window, wanted, flagged)
    proposal["window"]["days_not_screened"] = [day.isoformat() for day in unscreened]
    for entry in proposal["identities"]:  # the catalogue compares in lower case; reviewers read AWS's casing
        usage = entry["granted_vs_used"]
        usage["unused_actions"] = [casing().get(name, name) for name in usage["unused_actions"]]
    folder = _out_folder(config, out_dir, last)
    folder.mkdir(parents=True, exist_ok=True)
    yaml_path, json_path = folder / YAML_FILE, folder / JSON_FILE
    yaml_path.write_text(_yaml_text(proposal, window), encoding="utf-8")
    json_path.write_text(json.dumps(proposal, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return ProposalFiles(yaml_path, json_path, len(proposal["identities"]), window)


def runtime_findings(
    config: AssuranceConfig, storage: Storage, days: Sequence[date], index: dict
) -> tuple[dict[str, list[tuple[str, str, str]]], list[date]]:
    """(per identity, the findings of the window's days by the rules whose meta `proposal_holds_back` names what
    they flag — a network, a call, a region — as (rule id, that kind, observed); the window's days with no stored
    findings). Every day counts: a learned rule fires once, then the behaviour is part of what is usual."""
    flags = {
        rule.rule_id: str(rule.meta["proposal_holds_back"])
        for rule in all_rules(load_suites(config.expectations_dir))
        if rule.meta.get("proposal_holds_back")
    }
    flagged: dict[str, list[tuple[str, str, str]]] = {}
    unscreened = []
    for day in days:
        try:
            findings = read_table(storage, day, "findings")
        except FileNotFoundError:
            unscreened.append(day)
            continue
        for row in findings[findings["rule_id"].isin(flags)].itertuples(index=False):
            arn = resolve_identity(str(row.identity_arn or row.resource_arn), index)
            flagged.setdefault(arn, []).append((str(row.rule_id), flags[str(row.rule_id)], str(row.observed)))
    return flagged, unscreened


def _out_folder(config: AssuranceConfig, out_dir: Path | None, last: date) -> Path:
    folder = (out_dir or baseline_proposal_dir(config.output_dir, last)).resolve()
    if config.baseline_dir and folder.is_relative_to(Path(config.baseline_dir).resolve()):
        raise InputError(
            f"--out {folder}: inside baseline_dir ({config.baseline_dir}), where it would be applied; "
            "proposals are for review: choose another folder"
        )
    return folder


def _yaml_text(proposal: dict, window: Window) -> str:
    header = [
        "# Baseline entries proposed by `assurance-jobs baseline propose` from observed activity.",
        f"# Drafted from {window.describe()}.",
        "# For review: nothing here is applied until a reviewed copy is placed in baseline_dir.",
    ]
    unscreened = proposal["window"].get("days_not_screened") or []
    if unscreened:
        header.append(
            f"# NOT SCREENED: no findings are stored for {', '.join(unscreened)}; what those days' runtime rules "
            "would have flagged may be drafted below (evaluate those days, then draft again)."
        )
    held = [(entry["arn"], item) for entry in proposal["identities"] for item in entry["held_back"]]
    if held:
        header.append("# Held back, because an open finding names them (see baseline-proposal.json):")
        header += [f"#   {arn}: {item['value']} ({item['rule_id']}: {item['observed']})" for arn, item in held]
    body = yaml.safe_dump(baseline_document(proposal), sort_keys=False, default_flow_style=False)
    return "\n".join(header) + "\n" + body
