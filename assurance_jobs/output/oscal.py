"""OSCAL assessment-results export, built and validated with compliance-trestle's OSCAL models.

Auditors and GRC tools (FedRAMP-style pipelines, trestle, Lula, …) ingest OSCAL. Building the document through
trestle's strict pydantic models (extra fields forbidden, token and UUID patterns enforced) means an export that
does not conform to the OSCAL schema fails here rather than in an auditor's tool.

Shape of the document (one `result` per partition):
* `reviewed-controls`: one control selection per framework, listing every control cited by a rule that was
  evaluated. 800-53 ids use NIST's OSCAL catalogue form (`AC-2(3)` → `ac-2.3`) so they resolve against the
  published catalogue; other frameworks' ids are prefixed with the framework id (`pci-dss-4.0.1_8.3.9`) because
  bare ids collide across frameworks ("1.4" exists in more than one).
* `observations`: one per rule and scope (account, region) from `rule_results`, method TEST, with the snapshot
  files the rule depends on as relevant evidence (each pointing at a back-matter resource carrying its SHA-256).
* `findings`: one per reviewed control; its objective (`<control-token>_obj`, the NIST catalogue convention) is
  `satisfied` only when every scope of every rule behind it PASSed. A FAIL or an INCOMPLETE scope makes it
  `not-satisfied`; INCOMPLETE says in a remark that the evidence was incomplete. Incomplete is never satisfied.
* `import-ap` must be present (the schema requires it) but no OSCAL assessment plan is published: the plan is the
  set of expectation suites. It therefore points at a back-matter resource describing those suites (with their
  digests when given), not at an external document.

Individual failing resources are not repeated here (100k findings would bury the control view); they are in the
findings.json / OCSF exports, which the observations count.

Every UUID is a uuid5 of stable names and every time is `as_of`, so the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

NS = "urn:assurance-jobs:oscal"
"""Namespace of our own props: OSCAL reserves un-namespaced prop names for its own vocabulary."""
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NS)
_NIST_800_53 = "nist-800-53r5"
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")


def _text(value: Any) -> str | None:
    """A cell as text, or None for pandas' missing markers."""
    if value is None or pd.isna(value):
        return None
    text = str(value)
    return text if text else None


def _count(value: Any) -> int:
    return 0 if _text(value) is None else int(value)


def stable_uuid(*parts: str) -> str:
    """A UUID that depends only on its names, so re-exporting the same evidence gives the same document."""
    return str(uuid.uuid5(_UUID_NAMESPACE, "\x1f".join(parts)))


def control_token(framework_id: str, control_id: str) -> str:
    """The OSCAL token (control-id) for one framework control; see the module docstring for the convention."""
    if framework_id == _NIST_800_53:
        base, *enhancements = control_id.replace(")", "").split("(")
        return ".".join([base.lower(), *enhancements])
    return f"{framework_id}_{_NOT_TOKEN.sub('-', control_id)}"


def catalogue_titles(catalogue: Any) -> dict[str, dict[str, str]]:
    """`{framework_id: {control_id: title}}` from an `assurance_jobs.output.catalogue.Catalogue`."""
    return {fw.id: {control.id: control.title for control in fw.controls} for fw in catalogue.frameworks.values()}


def _evidence_rows(evidence: Iterable[Any]) -> list[dict[str, str]]:
    """Evidence files as dicts; accepts `bundle.EvidenceFile` objects or mappings with path/sha256[/kind]."""
    rows = []
    for item in evidence:
        get = item.get if isinstance(item, Mapping) else lambda key, default=None, obj=item: getattr(obj, key, default)
        rows.append(
            {
                "path": str(get("path")),
                "sha256": str(get("sha256")),
                "kind": str(get("kind", "snapshot")),
                "base": str(get("base", "store")),
            }
        )
    return sorted(rows, key=lambda row: (row["kind"], row["path"]))


_BASES = {"store": "path relative to the evidence store's root", "report": "path relative to this report's folder"}


def _source_of(path: str) -> tuple[str | None, str]:
    """(account_id, source stem) of a snapshot path `<account>/<source>[.<region>].<ext>`."""
    account, _, name = path.rpartition("/")
    return (account.rsplit("/", 1)[-1] or None), name.split(".", 1)[0]


def _rules_by_id(rule_meta: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(meta["rule_id"]): meta for meta in rule_meta}


def _scope_key(row: Mapping[str, Any]) -> tuple[str, str, str]:
    return str(row["rule_id"]), str(row["account_id"]), _text(row.get("region")) or "global"


def _finding_counts(findings: pd.DataFrame) -> dict[tuple[str, str, str], tuple[int, int, int, int]]:
    """(findings, of which waived, first seen today, overdue) per rule scope; a waiver is risk acceptance, not a
    pass, and an overdue finding is open past the SLA of its severity (evaluate/lifecycle.py)."""
    counts: dict[tuple[str, str, str], tuple[int, int, int, int]] = {}
    for row in findings.to_dict(orient="records"):
        key = _scope_key(row)
        total, waived, new, overdue = counts.get(key, (0, 0, 0, 0))
        counts[key] = (
            total + 1,
            waived + (_text(row.get("waiver_status")) == "waived"),
            new + (_text(row.get("lifecycle_status")) == "new"),
            overdue + (_text(row.get("overdue")) == "True"),
        )
    return counts


class _Builder:
    """Holds the inputs while the document's parts are built; each method returns one trestle object."""

    def __init__(self, rules: Mapping[str, Mapping[str, Any]], evidence: list[dict[str, str]], as_of: datetime):
        from trestle.oscal import common

        self.c = common
        self.rules = rules
        self.evidence = evidence
        self.as_of = as_of

    def prop(self, name: str, value: object) -> Any:
        return self.c.Property(name=name, value=str(value), ns=NS)

    def props(self, **values: object) -> list[Any]:
        return [self.prop(name.replace("_", "-"), value) for name, value in values.items() if _text(value)]

    def rlink(self, row: Mapping[str, str]) -> Any:
        """A link to a file with its SHA-256, OSCAL's own way of letting a reader verify what was read."""
        return self.c.Rlink(
            href=row["path"], hashes=[self.c.Hash(algorithm=self.c.Algorithm.SHA_256, value=row["sha256"])]
        )

    def evidence_resource(self, row: Mapping[str, str]) -> Any:
        c = self.c
        return c.Resource(
            uuid=stable_uuid("evidence", row["path"], row["sha256"]),
            title=row["path"],
            description=f"{row['kind'].capitalize()} file read for this assessment ({_BASES[row['base']]}).",
            props=self.props(kind=row["kind"], sha256=row["sha256"], base=row["base"]),
            rlinks=[self.rlink(row)],
        )

    def plan_resource(self) -> Any:
        rlinks = [self.rlink(row) for row in self.evidence if row["kind"] == "suite"]
        return self.c.Resource(
            uuid=stable_uuid("assessment-plan"),
            title="Assessment plan: the assurance-jobs expectation suites",
            description="No OSCAL assessment plan is published; the rules run are the expectation suites listed here.",
            rlinks=rlinks or None,
        )

    def relevant_evidence(self, rule_id: str, account_id: str) -> list[Any] | None:
        sources = set(self.rules.get(rule_id, {}).get("depends_on") or ())
        found = []
        for row in self.evidence:
            account, source = _source_of(row["path"])
            if row["kind"] == "snapshot" and account == account_id and source in sources:
                found.append(
                    self.c.RelevantEvidence(
                        href=f"#{stable_uuid('evidence', row['path'], row['sha256'])}",
                        description=f"Snapshot file {row['path']}",
                        props=self.props(sha256=row["sha256"]),
                    )
                )
        return found or None

    def observation(self, row: Mapping[str, Any], counts: tuple[int, int, int, int]) -> Any:
        rule_id, account_id, region = _scope_key(row)
        status = str(row["status"])
        missing = _text(row.get("missing_sources"))
        title = _text(row.get("title")) or _text(self.rules.get(rule_id, {}).get("title")) or rule_id
        description = (
            f"{rule_id} ({title}) in account {account_id}, {region}: {status}; {_count(row.get('evaluated'))} "
            f"evaluated, {_count(row.get('failed'))} failed, {counts[1]} of {counts[0]} findings waived, "
            f"{counts[2]} first seen on this day, {counts[3]} open past their SLA."
        )
        remarks = None
        if status == "INCOMPLETE":
            remarks = f"Evidence was incomplete (not collected completely: {missing or 'unknown source'}); not a pass."
        return self.c.Observation(
            uuid=stable_uuid("observation", rule_id, account_id, region),
            title=f"{rule_id} in {account_id}/{region}",
            description=description,
            props=self.props(
                rule_id=rule_id,
                account_id=account_id,
                region=region,
                result=status,
                evaluated=_count(row.get("evaluated")),
                failed=_count(row.get("failed")),
                waived=counts[1],
                new=counts[2],
                overdue=counts[3],
                missing_sources=missing,
            ),
            methods=[self.c.Methods.TEST],
            relevant_evidence=self.relevant_evidence(rule_id, account_id),
            collected=self.as_of,
            remarks=remarks,
        )


def _controls_of(rules: Mapping[str, Mapping[str, Any]], evaluated: Iterable[str]) -> dict[tuple[str, str], list[str]]:
    """(framework, control) → the evaluated rules citing it."""
    cited: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rule_id in sorted(set(evaluated)):
        for framework_id, ids in (rules.get(rule_id, {}).get("controls") or {}).items():
            for control_id in ids:
                cited[(str(framework_id), str(control_id))].append(rule_id)
    return dict(sorted(cited.items()))


def _control_finding(
    b: _Builder,
    key: tuple[str, str],
    rule_ids: list[str],
    scopes: Sequence[Mapping[str, Any]],
    observation_uuids: Mapping[tuple[str, str, str], str],
    titles: Mapping[str, Mapping[str, str]],
) -> Any:
    c = b.c
    framework_id, control_id = key
    own = [row for row in scopes if str(row["rule_id"]) in rule_ids]
    failed = sorted({str(row["rule_id"]) for row in own if row["status"] == "FAIL"})
    incomplete = sorted({str(row["rule_id"]) for row in own if row["status"] == "INCOMPLETE"})
    satisfied = not failed and not incomplete
    state = (
        c.ObjectiveStatusStateValidValues.satisfied if satisfied else c.ObjectiveStatusStateValidValues.not_satisfied
    )
    reason = c.Reason.pass_ if satisfied else (c.Reason.fail if failed else c.Reason.other)
    remarks = None
    if incomplete:
        remarks = (
            f"Evidence was incomplete for {', '.join(incomplete)} in at least one scope; an incomplete assessment "
            "is reported as not satisfied, never as satisfied."
        )
    title = titles.get(framework_id, {}).get(control_id)
    label = f"{framework_id} {control_id}" + (f": {title}" if title else "")
    token = control_token(framework_id, control_id)
    return c.Finding(
        uuid=stable_uuid("finding", framework_id, control_id),
        title=label,
        description=f"Automated rules: {', '.join(rule_ids)}. Failed: {', '.join(failed) or 'none'}. "
        f"Incomplete: {', '.join(incomplete) or 'none'}.",
        props=b.props(framework=framework_id, control_id=control_id),
        target=c.FindingTarget(
            type=c.FindingTargetTypeValidValues.objective_id,
            target_id=f"{token}_obj",
            title=label,
            status=c.ObjectiveStatus(state=state, reason=reason, remarks=remarks),
        ),
        related_observations=[c.RelatedObservation(observation_uuid=observation_uuids[_scope_key(row)]) for row in own]
        or None,
        remarks=remarks,
    )


def _reviewed_controls(b: _Builder, controls: Iterable[tuple[str, str]]) -> Any:
    by_framework: dict[str, list[str]] = defaultdict(list)
    for framework_id, control_id in controls:
        by_framework[framework_id].append(control_token(framework_id, control_id))
    if not by_framework:
        raise ValueError("no evaluated rule cites a framework control: nothing to put in reviewed-controls")
    selections = [
        b.c.ControlSelections(
            description=f"Controls of {framework_id} cited by the evaluated rules.",
            props=b.props(framework=framework_id),
            include_controls=[b.c.SelectControlById(control_id=token) for token in sorted(set(tokens))],
        )
        for framework_id, tokens in sorted(by_framework.items())
    ]
    return b.c.ReviewedControls(control_selections=selections)


def oscal_assessment_results(
    findings: pd.DataFrame,
    rule_results: pd.DataFrame,
    rule_meta: Iterable[Mapping[str, Any]],
    catalogue_controls: Mapping[str, Mapping[str, str]],
    *,
    evidence: Iterable[Any],
    as_of: datetime,
    tool_version: str,
    partition_date: date | str,
    snapshot_id: str | None = None,
) -> dict[str, Any]:
    """The OSCAL assessment-results document (`{"assessment-results": {...}}`) for one partition.

    `catalogue_controls` is `{framework_id: {control_id: title}}` (see `catalogue_titles`); `evidence` lists the
    files read (`bundle.EvidenceFile` or mappings with `path`, `sha256`, optional `kind`).
    """
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal.assessment_results import AssessmentResults, ImportAp, Result

    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware (the snapshot's taken_at, UTC)")
    day = partition_date.isoformat() if isinstance(partition_date, date) else str(partition_date)
    rules = _rules_by_id(rule_meta)
    files = _evidence_rows(evidence)
    b = _Builder(rules, files, as_of)
    scopes = sorted(rule_results.to_dict(orient="records"), key=_scope_key)
    counts = _finding_counts(findings)
    observations = [b.observation(row, counts.get(_scope_key(row), (0, 0, 0, 0))) for row in scopes]
    observation_uuids = {_scope_key(row): obs.uuid for row, obs in zip(scopes, observations, strict=True)}
    controls = _controls_of(rules, (str(row["rule_id"]) for row in scopes))
    run = f"{day} (snapshot {snapshot_id})" if snapshot_id else day
    plan = b.plan_resource()
    document = AssessmentResults(
        uuid=stable_uuid("assessment-results", day, snapshot_id or "", as_of.isoformat()),
        metadata=b.c.Metadata(
            title=f"assurance-jobs: non-human identity assessment results {day}",
            last_modified=as_of,
            version=tool_version,
            oscal_version=b.c.OscalVersion(OSCAL_VERSION),
            props=b.props(snapshot_id=snapshot_id, partition_date=day, tool="assurance-jobs"),
        ),
        import_ap=ImportAp(href=f"#{plan.uuid}", remarks="The assessment plan is the set of expectation suites."),
        results=[
            Result(
                uuid=stable_uuid("result", day, snapshot_id or ""),
                title=f"Automated NHI assessment {run}",
                description="Rules evaluated by assurance-jobs over one immutable AWS snapshot.",
                start=as_of,
                end=as_of,
                props=b.props(snapshot_id=snapshot_id, partition_date=day, tool_version=tool_version),
                reviewed_controls=_reviewed_controls(b, controls),
                observations=observations or None,
                findings=[
                    _control_finding(b, key, rule_ids, scopes, observation_uuids, catalogue_controls)
                    for key, rule_ids in controls.items()
                ]
                or None,
            )
        ],
        back_matter=b.c.BackMatter(resources=[plan, *(b.evidence_resource(row) for row in files)]),
    )
    return document.oscal_dict()


def dumps_oscal(document: Mapping[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, fixed indentation, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_oscal(
    path: str | Path,
    findings: pd.DataFrame,
    rule_results: pd.DataFrame,
    rule_meta: Iterable[Mapping[str, Any]],
    catalogue_controls: Mapping[str, Mapping[str, str]],
    *,
    evidence: Iterable[Any],
    as_of: datetime,
    tool_version: str,
    partition_date: date | str,
    snapshot_id: str | None = None,
) -> Path:
    """Write the assessment-results document; the same inputs give the same bytes."""
    document = oscal_assessment_results(
        findings,
        rule_results,
        rule_meta,
        catalogue_controls,
        evidence=evidence,
        as_of=as_of,
        tool_version=tool_version,
        partition_date=partition_date,
        snapshot_id=snapshot_id,
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dumps_oscal(document), encoding="utf-8")
    return target
