"""The report model: every number and list the pages print, computed once from the bundle.

Pages are cheap views over this model; computing here (not in templates) keeps the summary, framework, rule
and identity pages consistent with each other — the browser test checks exactly that agreement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
from markupsafe import Markup

from assurance_jobs.evaluate.findings import observed_kind
from assurance_jobs.output import accounts as by_account
from assurance_jobs.output import status as st
from assurance_jobs.output import views as vw
from assurance_jobs.output.bundle import FAMILIES, SEVERITIES, ReportBundle
from assurance_jobs.output.controls import control_href, control_pages, rule_control_links
from assurance_jobs.output.day_summary import day_summary
from assurance_jobs.output.drift import DRIFT_SECTIONS, drift_cell, drift_changes, drift_header
from assurance_jobs.output.entities import IdentityIndex, identity_context, policy_pages
from assurance_jobs.output.kubernetes import cluster_scopes
from assurance_jobs.output.kubernetes import subject_rows as k8s_subject_rows
from assurance_jobs.output.trend import trend_svg
from assurance_jobs.output.waivers import expired_waivers

OWNER_NOT_CHECKED = "not_checked"
FAILING_IDENTITIES_SHOWN = 25
"""Failing identities listed per control on a framework page; the rest are one click away on the rule pages."""


DRIFT_ROWS_SHOWN = 200


@dataclass
class ReportModel:
    bundle: ReportBundle
    page_size: int
    rules: dict[str, dict[str, Any]]
    statuses: dict[str, str]
    rows: list[dict[str, str]]
    frameworks: list[dict[str, Any]]
    trend: str | None
    incomplete: list[dict[str, Any]]
    failed_collections: list[dict[str, Any]]
    new: list[dict[str, str]] | None
    resolved: list[dict[str, str]] | None

    @classmethod
    def build(cls, bundle: ReportBundle, page_size: int) -> ReportModel:
        rules = vw.rule_meta(bundle)
        statuses = st.rule_statuses(rules, bundle.rule_results, bundle.findings)
        ous = ou_by_account(bundle.account_status)
        kinds = {rid: observed_kind(meta, str(meta.get("observed_column", ""))) for rid, meta in rules.items()}
        ordered = vw.records(bundle.findings, ["rule_id", "account_id", "resource_arn"])
        rows = [vw.finding_row(r, ous, kinds) for r in ordered]
        for rule_id, meta in rules.items():
            meta["status"] = statuses[rule_id]
        new, resolved = _changes(bundle, rows, ous, kinds)
        model = cls(
            bundle=bundle,
            page_size=page_size,
            rules=rules,
            statuses=statuses,
            rows=rows,
            frameworks=[],
            trend=trend_svg(bundle.history),
            incomplete=st.incomplete_scopes(bundle.rule_results),
            failed_collections=st.failed_collections(bundle.collection_status),
            new=new,
            resolved=resolved,
        )
        for scope in model.incomplete:
            scope["file"] = vw.file_name(scope["rule_id"])
        model.frameworks = model._frameworks()
        links = rule_control_links(model.frameworks)
        for rule_id, meta in rules.items():
            meta["control_links"] = links.get(rule_id, [])
        return model

    # ---- the day's one summary (terminal, day-summary.json, banner and exit code) ---------------------------
    @cached_property
    def summary(self) -> dict[str, Any]:
        return day_summary(self)

    # ---- lifecycle -----------------------------------------------------------------------------------------
    @cached_property
    def not_rechecked(self) -> list[dict[str, str]]:
        """Findings still open that this day's evidence could not re-check (kept open, never resolved)."""
        frame = self.bundle.lifecycle.not_rechecked
        return [vw.finding_row(r, self.ous) for r in vw.records(frame, st.CHANGE_KEY)]

    def overdue_rows(self) -> list[dict[str, str]]:
        """Open findings past their SLA, oldest first."""
        late = [row for row in self.rows if row["overdue"]]
        return sorted(late, key=lambda row: (row["first_seen"], row["rule_id"], row["arn"]))

    def remediation_table(self) -> list[dict[str, Any]]:
        """Per family: open, overdue, resolved so far and the mean days to remediate (None: nothing resolved)."""
        mttr = {row["family"]: row for row in self.bundle.lifecycle.mean_time_to_remediate}
        families = list(FAMILIES) + sorted({str(m.get("family", "")) for m in self.rules.values()} - set(FAMILIES))
        table = []
        for family in families:
            rows = [row for row in self.rows if self.rules.get(row["rule_id"], {}).get("family") == family]
            open_rows = [row for row in rows if row["status"] != "waived"]
            entry = mttr.get(family, {})
            if not rows and not entry.get("resolved"):
                continue
            table.append(
                {
                    "family": family,
                    "open": len(open_rows),
                    "overdue": sum(1 for row in open_rows if row["overdue"]),
                    "resolved": int(entry.get("resolved") or 0),
                    "mean_days": entry.get("mean_days"),
                }
            )
        return table

    def sla_rows(self) -> list[dict[str, Any]]:
        sla = self.bundle.lifecycle.sla_days
        return [{"severity": severity, "days": sla[severity]} for severity in SEVERITIES if severity in sla]

    # ---- small lookups the templates use -------------------------------------------------------------------
    status_labels = st.STATUS_LABELS
    markdown = staticmethod(vw.markdown)
    identity_href = staticmethod(vw.identity_href)

    @cached_property
    def evidence_gaps(self) -> dict[str, list[dict[str, Any]]]:
        """The banner's "could not collect" and "not configured" lists, each rule with its page's file name."""
        gaps = st.evidence_gaps(self.bundle.rule_results, self.bundle.collection_status)
        for entry in (*gaps["could_not_collect"], *gaps["not_configured"]):
            entry["rule_links"] = [{"rule_id": rule, "file": vw.file_name(rule)} for rule in entry["rules"]]
        return gaps

    @property
    def accounts(self) -> list[str]:
        return sorted(str(account) for account in self.bundle.accounts)

    @cached_property
    def ous(self) -> dict[str, str]:
        """Account id → OU path (organization scans), for the row filter's `data-ou` attributes."""
        return ou_by_account(self.bundle.account_status)

    @cached_property
    def filters(self) -> dict[str, Any] | None:
        """The row filter's choices: every AWS account and OU the report covers; None when there is one account
        and no OU (nothing to choose between, so no filter is printed, nor the rows' attributes).

        Accounts come from the snapshot's account list and the organization's account records only: a probe
        target (`probe:<name>`) or a rule evaluated nowhere (`*`) is no account to filter on or to judge apart,
        and an account the configuration excluded was not covered by the run (its row still says `excluded`)."""
        covered = [r for r in self.bundle.account_status if r.get("collection") != "excluded"]
        names = {vw.text(r.get("account_id")): vw.text(r.get("name")) for r in covered}
        accounts = set(filter(vw.is_aws_account, (*names, *self.accounts)))
        ous = {parent for path in ou_by_account(covered).values() for parent in _ou_and_parents(path)}
        clusters = cluster_scopes(self.bundle.rule_results)
        if len(accounts) < 2 and not ous and not clusters:
            return None
        return {
            "accounts": [{"id": account, "name": names.get(account, "")} for account in sorted(accounts)],
            "ous": sorted(ous),
            "clusters": clusters,
        }

    @cached_property
    def account_statuses(self) -> dict[str, dict[str, str]]:
        """Per account (organization reports only): each rule's status over that account alone. Accounts the
        configuration excludes are not judged (their row on the summary says `excluded`)."""
        if not self.filters:
            return {}
        excluded = {
            vw.text(r.get("account_id")) for r in self.bundle.account_status if r.get("collection") == "excluded"
        }
        accounts = [account["id"] for account in self.filters["accounts"] if account["id"] not in excluded]
        return by_account.account_rule_statuses(self.rules, self.bundle.rule_results, self.bundle.findings, accounts)

    @property
    def trend_markup(self) -> Markup:
        """The chart SVG, generated by vl-convert from our own sorted counts (no estate text inside)."""
        return Markup(self.trend or "")

    @cached_property
    def drift_sections(self) -> list[dict[str, Any]]:
        """The drift tables worth reading on the changes page, each capped (the full tables are stored)."""
        sections = []
        for table, title, columns in DRIFT_SECTIONS:
            frame = self.bundle.drift.get(table)
            if frame is None or not len(frame):
                continue
            frame = drift_changes(table, frame)
            rows = [
                [self._drift_cell(c, row.get(c)) for c in columns]
                for row in vw.records(frame, ["arn", "credential_id"])
            ]
            sections.append(
                {
                    "title": title,
                    "table": table,
                    "headers": [drift_header(c) for c in columns],
                    "rows": rows[:DRIFT_ROWS_SHOWN],
                    "total": len(rows),
                }
            )
        return sections

    def _drift_cell(self, column: str, value: Any) -> dict[str, str]:
        """A changes-page cell; identity ARNs link to the identity's page when the report has one."""
        shown = drift_cell(column, value)
        linked = column in ("arn", "owner_arn") and shown in self.identity_index.identities
        return {"text": shown, "href": vw.identity_href(shown) if linked else ""}

    @cached_property
    def open_by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for row in self.rows:
            if row["status"] != "waived":
                counts[row["rule_id"]] += 1
        return dict(counts)

    @cached_property
    def rows_by_rule(self) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in self.rows:
            grouped[row["rule_id"]].append(row)
        return dict(grouped)

    @cached_property
    def incomplete_by_rule(self) -> dict[str, list[dict[str, str]]]:
        """Per rule, the resources whose verdict is unknown (shown per row, never as passing)."""
        grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in vw.records(self.bundle.incomplete_resources, ["rule_id", "account_id", "resource_arn"]):
            grouped[vw.text(row["rule_id"])].append(
                {key: vw.text(row.get(key)) for key in ("account_id", "resource_arn", "reason", "source_file")}
            )
        return dict(grouped)

    @cached_property
    def scopes_by_rule(self) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in vw.records(self.bundle.rule_results, ["rule_id", "account_id", "region"]):
            scope = {
                key: vw.text(row.get(key))
                for key in ("account_id", "status", "evaluated", "failed", "missing_sources", "reason")
            }
            scope["region"] = vw.text(row.get("region")) or "global"
            grouped[vw.text(row["rule_id"])].append(scope)
        return dict(grouped)

    def change_counts(self) -> list[dict[str, Any]]:
        new: dict[str, int] = defaultdict(int)
        resolved: dict[str, int] = defaultdict(int)
        for row in self.new or []:
            new[row["rule_id"]] += 1
        for row in self.resolved or []:
            resolved[row["rule_id"]] += 1
        return [
            {
                "rule_id": rule_id,
                "file": vw.file_name(rule_id),
                "new": new.get(rule_id, 0),
                "resolved": resolved.get(rule_id, 0),
            }
            for rule_id in sorted(set(new) | set(resolved))
        ]

    def collection_rows(self) -> list[dict[str, str]]:
        keys = ("account_id", "source", "region", "status", "pages", "error_code")
        rows = [{key: vw.text(row.get(key)) for key in keys} for row in self.bundle.collection_status]
        for row in rows:
            row["region"] = row["region"] or "global"
        return sorted(rows, key=lambda r: (r["account_id"], r["source"], r["region"]))

    # ---- summary -------------------------------------------------------------------------------------------
    def open_outside_accounts(self) -> dict[str, int]:
        """Open findings of no AWS account, by what they belong to: Kubernetes clusters (`k8s:…`) and token-probe
        targets (`probe:…`); the summary says which page explains each."""
        tally = {"clusters": 0, "probes": 0}
        for row in self.rows:
            if row["status"] == "waived":
                continue
            if row["account"].startswith("k8s:"):
                tally["clusters"] += 1
            elif row["account"].startswith("probe:"):
                tally["probes"] += 1
        return tally

    def account_rows(self) -> list[dict[str, Any]]:
        """One row per account the run had to cover: where it sits, how it was collected, what it holds."""
        identities = _per_account(self.bundle.identities)
        credentials = _per_account(self.bundle.credentials)
        findings = self.bundle.findings
        if "waiver_status" in findings.columns:
            findings = findings[findings["waiver_status"].fillna("") != "waived"]
        open_findings = _per_account(findings)
        incomplete: dict[str, int] = defaultdict(int)
        for scope in self.incomplete:
            incomplete[str(scope["account_id"])] += 1
        rows = []
        for record in self.bundle.account_status:
            account = vw.text(record.get("account_id"))
            rows.append(
                {
                    "account_id": account,
                    "name": vw.text(record.get("name")),
                    "ou_path": vw.text(record.get("ou_path")),
                    "collection": vw.text(record.get("collection")),
                    "carried_over_from": vw.text(record.get("carried_over_from")),
                    "identities": identities.get(account, 0),
                    "credentials": credentials.get(account, 0),
                    "open": open_findings.get(account, 0),
                    "incomplete_scopes": incomplete.get(account, 0),
                }
            )
        return sorted(rows, key=lambda r: (r["ou_path"], r["account_id"]))

    @property
    def evidence_complete(self) -> bool:
        return not self.incomplete and not self.failed_collections

    def header(self) -> dict[str, str]:
        b = self.bundle
        return {
            "partition_date": vw.text(b.partition_date),
            "as_of": vw.text(b.as_of),
            "snapshot_id": b.evidence.snapshot_id or "",
            "accounts": ", ".join(sorted(str(a) for a in b.accounts)),
        }

    def counts(self) -> dict[str, Any]:
        ids, creds = self.bundle.identities, self.bundle.credentials
        nhi = int(ids["is_nhi"].fillna(False).astype(bool).sum()) if "is_nhi" in ids.columns else None
        by_kind = creds["kind"].value_counts().to_dict() if len(creds) and "kind" in creds.columns else {}
        return {
            "identities": len(ids),
            "nhi": nhi,
            "credentials": len(creds),
            "credential_kinds": sorted((str(k), int(v)) for k, v in by_kind.items()),
            "findings": len(self.rows),
            "open": sum(1 for row in self.rows if row["status"] != "waived"),
            "waived": sum(1 for row in self.rows if row["status"] == "waived"),
            "reopened": sum(1 for row in self.rows if row["status"] == "waiver_expired"),
        }

    def family_table(self) -> list[dict[str, Any]]:
        counts = {row["key"]: row for row in vw.count_table(self.bundle.findings, "family", FAMILIES)}
        table = []
        for family in list(FAMILIES) + sorted({m.get("family", "") for m in self.rules.values()} - set(FAMILIES)):
            family_rules = [m for m in self.rules.values() if m.get("family") == family]
            tally = {status: sum(1 for m in family_rules if m["status"] == status) for status in st.STATUS_LABELS}
            found = counts.get(family, {"open": 0, "waived": 0})
            table.append({"family": family, "rules": len(family_rules), **tally, **found})
        return table

    def severity_table(self) -> list[dict[str, Any]]:
        table = vw.count_table(self.bundle.findings, "severity", SEVERITIES)
        for row in table:
            row["failing_rules"] = sum(
                1 for m in self.rules.values() if m.get("severity") == row["key"] and m["status"] == st.FAIL
            )
        return table

    # ---- frameworks ----------------------------------------------------------------------------------------
    def _failing_identities(self) -> dict[str, list[str]]:
        by_rule: dict[str, set[str]] = defaultdict(set)
        for row in self.rows:
            if row["status"] != "waived":
                by_rule[row["rule_id"]].add(row["identity"])
        return {rule_id: sorted(arns) for rule_id, arns in by_rule.items()}

    def _frameworks(self) -> list[dict[str, Any]]:
        catalogue = self.bundle.catalogue
        if catalogue is None:
            return []
        failing = self._failing_identities()
        metas = list(self.rules.values())
        frameworks = [
            self._framework(fw, st.rules_by_control(metas, fw.id), failing) for fw in catalogue.frameworks.values()
        ]
        open_counts = by_account.open_counts_by_account_rule(self.rows)
        for framework in frameworks:
            framework["accounts"] = by_account.framework_breakdown(
                framework, self.account_statuses, open_counts, self.ous
            )
        return frameworks

    def _framework(self, fw: Any, mapping: dict[str, list[str]], failing: dict[str, list[str]]) -> dict[str, Any]:
        controls = []
        for control in fw.controls:
            rule_ids = [rid for rid in mapping.get(control.id, []) if rid in self.rules]
            identities = sorted({arn for rid in rule_ids for arn in failing.get(rid, [])})
            status = st.control_status([self.statuses[rid] for rid in rule_ids])
            controls.append(
                {
                    "id": control.id,
                    "anchor": "c-" + vw.file_name(control.id),
                    "href": control_href(fw.id, control.id),
                    "rule_ids": rule_ids,
                    "identities": identities,
                    "title": control.title,
                    "description": control.description,
                    "link": control.link,
                    "status": status,
                    "rules": [self.rules[rid] for rid in rule_ids],
                    "failing_count": len(identities),
                    "failing": [
                        {"arn": arn, "href": vw.identity_href(arn)} for arn in identities[:FAILING_IDENTITIES_SHOWN]
                    ],
                }
            )
        tally = {status: sum(1 for c in controls if c["status"] == status) for status in st.STATUS_LABELS}
        unknown = sorted(set(mapping) - {control.id for control in fw.controls})
        return {
            "id": fw.id,
            "file": vw.file_name(fw.id),
            "name": fw.name,
            "version": fw.version,
            "source": fw.source,
            "note": fw.note or "",
            "kind": fw.kind,
            "by_analogy": fw.id == "nist-800-63b",
            "controls": controls,
            "tally": tally,
            "unknown": unknown,
        }

    # ---- identities, policies, controls -------------------------------------------------------------------
    @cached_property
    def identity_index(self) -> IdentityIndex:
        return IdentityIndex.build(self.bundle, self.rows)

    def identity_pages(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(relative path, template context) per identity: one page each, named by account, name and hash."""
        index = self.identity_index
        for arn in index.arns():
            yield vw.identity_href(arn), {"i": identity_context(arn, index, self.rules)}

    def policy_pages(self) -> Iterator[tuple[str, dict[str, Any]]]:
        return policy_pages(self.identity_index)

    def control_pages(self) -> Iterator[tuple[str, dict[str, Any]]]:
        return control_pages(self)

    def identity_list(self) -> list[dict[str, Any]]:
        """One line per identity (name, link, open findings): owner and kind are on the identity page. Principals
        that findings name but the inventory does not hold (probe clients, agents' runtime roles in another
        account) are listed too, with `known` False, so the page can count the two apart."""
        open_by: dict[str, int] = defaultdict(int)
        for row in self.rows:
            if row["status"] != "waived":
                open_by[row["identity"]] += 1
        known = {vw.text(arn) for arn in self.bundle.identities.get("arn", [])}
        kubernetes = set(k8s_subject_rows(self.bundle.kubernetes_subjects)) - known
        return [
            {
                "prefix": vw.split_arn(arn)[0],
                "rest": vw.split_arn(arn)[1],
                "href": vw.identity_href(arn).removeprefix("ids/"),
                "open": open_by.get(arn, 0),
                "known": arn in known or arn in kubernetes,
                "kubernetes": arn in kubernetes,
            }
            for arn in sorted(known | kubernetes | set(open_by))
        ]

    # ---- waivers -------------------------------------------------------------------------------------------
    def waived_rows(self) -> list[dict[str, str]]:
        return [row for row in self.rows if row["status"] == "waived"]

    def reopened_rows(self) -> list[dict[str, str]]:
        return [row for row in self.rows if row["status"] == "waiver_expired"]

    def waiver_entries(self) -> list[dict[str, Any]]:
        as_of = self.bundle.as_of.date()
        expired = set(expired_waivers(self.bundle.waivers, as_of))
        entries = [
            {
                "rule_id": w.rule_id,
                "rule_file": vw.file_name(w.rule_id),
                "approved": w.approved.isoformat() if w.approved else "",
                "resource": w.resource,
                "justification": w.justification,
                "approver": w.approver,
                "expires": w.expires.isoformat(),
                "expired": w in expired,
            }
            for w in self.bundle.waivers
        ]
        return sorted(entries, key=lambda e: (e["rule_id"], e["resource"], e["expires"], e["approver"]))

    def evidence_files(self) -> list[dict[str, Any]]:
        evidence = self.bundle.evidence
        files = sorted(evidence.files, key=lambda f: (f.kind, f.path))
        anchored: set[str] = set()
        rows = []
        for f in files:
            anchor = vw.evidence_anchor(f.sha256)
            rows.append(
                {
                    "kind": f.kind,
                    "base": f.base,
                    "path": f.path if f.base == "report" else vw.relative_to_roots(f.path, evidence.roots),
                    "sha256": f.sha256,
                    "bytes": vw.text(f.bytes),
                    "anchor": "" if anchor in anchored else anchor,
                }
            )
            anchored.add(anchor)
        return rows


def paged_pages(model: ReportModel, page_size: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(relative path, template, context) for every paginated series: rule findings, lists, changes, waivers.

    Change and waiver lists carry two links and a rule column per row, so they page at half the size to paint
    as fast as a rule page."""
    for rule_id, meta in model.rules.items():
        all_rows = model.rows_by_rule.get(rule_id, [])
        rows = [row for row in all_rows if row["status"] != "waived"]
        waived = len(all_rows) - len(rows)
        yield from _series(f"rules/{meta['file']}", "rule.html.j2", rows, page_size, rule=meta, waived=waived)
    identities = model.identity_list()
    kubernetes = sum(1 for row in identities if row["kubernetes"])
    known = sum(1 for row in identities if row["known"]) - kubernetes
    yield from _series(
        "ids/index",
        "identity_list.html.j2",
        identities,
        page_size,
        heading="Identities",
        inventory_count=known,
        kubernetes_count=kubernetes,
    )
    series = {
        "changes-new": (model.new or [], "New or re-opened findings since the previous stored day", False, False),
        "changes-resolved": (model.resolved or [], "Findings resolved since the previous stored day", False, False),
        "waived": (model.waived_rows(), "Waived findings", True, False),
        "reopened": (model.reopened_rows(), "Findings re-opened by an expired waiver", True, False),
        "overdue": (model.overdue_rows(), "Overdue findings: open past their SLA", False, True),
    }
    for stem, (rows, title, waiver_columns, due_columns) in series.items():
        yield from _series(
            stem,
            "findings_list.html.j2",
            rows,
            max(1, page_size // 2),
            heading=title,
            waiver_columns=waiver_columns,
            due_columns=due_columns,
        )


def _runs(chunk: Sequence[Any]) -> list[Any]:
    """Finding rows grouped by ARN prefix and source file; identity-list rows by ARN prefix only."""
    if not chunk or "prefix" not in chunk[0]:
        return []
    return vw.runs_by_source(chunk) if "sha12" in chunk[0] else vw.runs_by_prefix(chunk)


def _series(
    stem: str, template: str, rows: list[Any], page_size: int, **extra: Any
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    chunks = list(vw.pages(rows, page_size))
    name = stem.rsplit("/", 1)[-1]
    for number, chunk in chunks:
        context = {
            "rows": chunk,
            "runs": _runs(chunk),
            "page": number,
            "page_count": len(chunks),
            "total": len(rows),
            "first_row": (number - 1) * page_size + 1,
            "nav": vw.pager(name, number, len(chunks)),
            **extra,
        }
        yield vw.page_file(stem, number), template, context


def _changes(
    bundle: ReportBundle, rows: list[dict[str, str]], ous: Mapping[str, str], kinds: Mapping[str, str]
) -> tuple[list[dict[str, str]] | None, list[dict[str, str]] | None]:
    """(new, resolved) since the previous stored day, or (None, None) on the first stored day.

    With a lifecycle (every published report): new is what the ledger calls new or re-opened today, resolved what
    it resolved today. Without one (a bundle built by hand): the findings compared with the previous day's."""
    lifecycle = bundle.lifecycle
    if lifecycle.ledger is not None:
        if lifecycle.previous_day is None:
            return None, None
        ledger = lifecycle.ledger
        opened = set(ledger.loc[ledger["status"].isin(("new", "reopened")), "finding_id"]) if len(ledger) else set()
        new = [row for row in rows if row["finding_id"] in opened]
        resolved_frame = lifecycle.resolved
        # A resolved finding was last seen in the previous day's evidence: its source link goes to that day's page.
        evidence_page = f"../{lifecycle.previous_day.isoformat()}/evidence.html"
        resolved = [
            {**vw.finding_row(r, ous, kinds), "evidence_page": evidence_page}
            for r in vw.records(resolved_frame, st.CHANGE_KEY)
        ]
        return sorted(new, key=lambda row: (row["rule_id"], row["arn"])), resolved
    if bundle.previous_findings is None:
        return None, None
    new_frame, resolved_frame = st.changes(bundle.findings, bundle.previous_findings)
    return (
        [vw.finding_row(r, ous, kinds) for r in vw.records(new_frame, st.CHANGE_KEY)],
        [vw.finding_row(r, ous, kinds) for r in vw.records(resolved_frame, st.CHANGE_KEY)],
    )


def ou_by_account(account_status: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Account id → OU path, from the manifest's account records (empty for a scan of listed accounts)."""
    return {
        vw.text(record.get("account_id")): vw.text(record.get("ou_path"))
        for record in account_status
        if vw.text(record.get("ou_path"))
    }


def _ou_and_parents(path: str) -> list[str]:
    """'Root/prod/payments' → the OU and the OUs above it: choosing 'Root/prod' shows both of its OUs."""
    parts = path.split("/")
    return ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]


def _per_account(frame: pd.DataFrame) -> dict[str, int]:
    if not len(frame) or "account_id" not in frame.columns:
        return {}
    return {str(account): int(count) for account, count in frame["account_id"].value_counts().items()}
