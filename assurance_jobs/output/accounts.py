"""Per-account breakdowns of the organization-wide verdicts on the framework and control pages.

The framework pages judge the organization as a whole (a control fails if any account fails it); an auditor
sampling one account, or an account owner, needs the same verdict for one account. Each account's rule
statuses are computed by the very function that computes the organization's (`status.rule_statuses`), over that
account's scopes and findings alone, so the two cannot disagree in how they rank FAIL, INCOMPLETE and PASS.
A rule with no scope in an account (not evaluated there) is left out of that account's verdicts rather than
counted as passing; an account with no scope at all (suspended, unreachable) is INCOMPLETE for every rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from assurance_jobs.output import status as st
from assurance_jobs.output import views as vw

TALLIED = (st.FAIL, st.INCOMPLETE, st.WAIVED, st.PASS)


def account_rule_statuses(
    rule_ids: Iterable[str], rule_results: pd.DataFrame, findings: pd.DataFrame, accounts: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Account → {rule id → status over that account's scopes and findings}, for the rules evaluated there."""
    wanted = sorted(set(rule_ids))
    results = _by_account(rule_results)
    found = _by_account(findings)
    statuses: dict[str, dict[str, str]] = {}
    for account in accounts:
        scopes = results.get(account)
        if scopes is None or not len(scopes):
            statuses[account] = {rule_id: st.INCOMPLETE for rule_id in wanted}
            continue
        evaluated = sorted(set(scopes["rule_id"].astype(str)) & set(wanted))
        statuses[account] = st.rule_statuses(evaluated, scopes, found.get(account, findings.iloc[0:0]))
    return statuses


def framework_breakdown(
    framework: Mapping[str, Any],
    statuses: Mapping[str, Mapping[str, str]],
    open_counts: Mapping[tuple[str, str], int],
    ous: Mapping[str, str],
) -> list[dict[str, Any]]:
    """One row per account: how many of the framework's controls it fails, leaves INCOMPLETE or passes, and its
    open findings under the framework's rules."""
    rule_ids = sorted({rid for control in framework["controls"] for rid in control["rule_ids"]})
    rows = []
    for account, by_rule in statuses.items():
        tally = dict.fromkeys(TALLIED, 0)
        for control in framework["controls"]:
            verdict = _control_verdict(control["rule_ids"], by_rule)
            if verdict in tally:
                tally[verdict] += 1
        rows.append(
            {
                "account_id": account,
                "ou": ous.get(account, ""),
                "tally": tally,
                "open": sum(open_counts.get((account, rid), 0) for rid in rule_ids),
            }
        )
    return rows


def control_breakdown(
    control: Mapping[str, Any],
    statuses: Mapping[str, Mapping[str, str]],
    rows: Sequence[Mapping[str, str]],
    ous: Mapping[str, str],
) -> list[dict[str, Any]]:
    """One row per account: the control's verdict there, its open findings and failing identities there.

    `rows` are the control's open finding rows (all accounts)."""
    findings: dict[str, int] = defaultdict(int)
    identities: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        findings[row["account"]] += 1
        identities[row["account"]].add(row["identity"])
    return [
        {
            "account_id": account,
            "ou": ous.get(account, ""),
            "status": _control_verdict(control["rule_ids"], by_rule),
            "open": findings.get(account, 0),
            "identities": len(identities.get(account, ())),
        }
        for account, by_rule in statuses.items()
    ]


def open_counts_by_account_rule(rows: Iterable[Mapping[str, str]]) -> dict[tuple[str, str], int]:
    """(account, rule id) → open findings (waived ones excluded, as everywhere on the framework pages)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if row["status"] != "waived":
            counts[row["account"], row["rule_id"]] += 1
    return dict(counts)


def _control_verdict(rule_ids: Sequence[str], by_rule: Mapping[str, str]) -> str:
    """The control's status in one account: '' when none of its rules was evaluated there."""
    if not rule_ids:
        return st.NOT_COVERED
    evaluated = [by_rule[rid] for rid in rule_ids if rid in by_rule]
    return st.control_status(evaluated) if evaluated else ""


def _by_account(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    if not len(frame) or "account_id" not in frame.columns:
        return {}
    return {vw.text(account): group for account, group in frame.groupby(frame["account_id"].map(vw.text))}
