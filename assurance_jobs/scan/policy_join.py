"""Join the policy engine's facts onto the inventory rows (pure, no I/O).

Facts that need the approved baseline, the agent registry or the previous day are joined one layer up, in
`baseline/inventory_join.py`, so that `scan` depends on nothing above it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import lru_cache

import pandas as pd

from assurance_jobs.scan.inventory import NOT_IN_SNAPSHOT, Inventory
from assurance_jobs.scan.policy import PolicyParseError, parse_policy
from assurance_jobs.scan.principal_permissions import principal_facts
from assurance_jobs.scan.privesc_inputs import PrivescInputs, ResourceInventory, user_credentials_of
from assurance_jobs.scan.privesc_org import Organization
from assurance_jobs.scan.trust import trust_facts
from assurance_jobs.schema import UNREADABLE_DOCUMENT_COLUMNS as UNREADABLE_COLUMNS
from assurance_jobs.schema import is_missing


def inventory_with_policy_facts(
    inventory: Inventory,
    known_accounts: list[str],
    taken_at: datetime | None = None,
    *,
    resources: ResourceInventory | None = None,
    organization: Organization | None = None,
) -> Inventory:
    """Identities gain effective-permission, escalation and trust facts computed over their combined policies
    (``taken_at``: the snapshot's as-of time, against which date conditions are judged). ``resources`` and
    ``organization`` are what the resource and Organizations sources supplied (None: not collected;
    docs/privesc.md, "Inputs"). The non-IAM nodes of `principal_links` get their verdicts in `linked_reach`."""
    inputs = privesc_inputs_of(inventory, resources, organization)
    computed = principal_facts(
        inventory.policies, inventory.identities, known_accounts, taken_at, inputs, inventory.principal_links
    )
    facts = computed.identities
    facts["policy_documents_missing"] = _missing_documents(inventory.policies, facts["arn"])
    for column, counts in _unreadable_documents(inventory.policies).items():
        facts[column] = facts["arn"].map(counts).fillna(0).astype("int64")
    identities = merge_facts(inventory.identities, facts)
    return replace(inventory, identities=identities, linked_reach=computed.linked_reach)


def privesc_inputs_of(
    inventory: Inventory, resources: ResourceInventory | None, organization: Organization | None
) -> PrivescInputs:
    """What the escalation analysis reads besides the policies: the authorization details' groups and instance
    profiles, each user's password (``console_access``) and access keys (the credential report), and the inputs
    collected elsewhere."""
    identities, credentials = inventory.identities, inventory.credentials
    users = [
        (arn, None if is_missing(access) else bool(access))
        for arn, kind, access in zip(
            identities["arn"].tolist(), identities["kind"].tolist(), identities["console_access"].tolist(), strict=True
        )
        if kind == "user"
    ]
    keys = (
        credentials[credentials["kind"] == "access_key"].groupby("owner_arn").size().to_dict()
        if len(credentials)
        else {}
    )
    return PrivescInputs(inventory.iam_estate, user_credentials_of(users, keys), resources, organization)


@lru_cache(maxsize=8192)
def _unreadable(document: str, trust: bool) -> bool:
    try:
        trust_facts(document, "000000000000") if trust else parse_policy(document)
    except PolicyParseError:
        return True
    return False


def _unreadable_documents(policies: pd.DataFrame) -> dict[str, pd.Series]:
    """Per principal, attached documents that cannot be read (invalid JSON, bad %-escape, an array, `Action` a
    number, empty, truncated): its permission facts (admin, wildcards, escalation, baseline) or its trust facts
    are then unknown, so those rules read INCOMPLETE for it rather than PASS (meta `incomplete_if`)."""
    counts = {column: pd.Series(dtype="int64") for column in UNREADABLE_COLUMNS}
    if policies.empty:
        return counts
    rows = policies[policies["parse_error"].fillna("") != NOT_IN_SNAPSHOT]
    trust = rows["attachment"] == "trust"
    bad = [
        (not isinstance(doc, str)) or bool(error) or _unreadable(doc, is_trust)
        for doc, error, is_trust in zip(rows["document"], rows["parse_error"].fillna(""), trust, strict=True)
    ]
    unreadable = rows[pd.Series(bad, index=rows.index, dtype=bool)]
    counts["permission_documents_unreadable"] = unreadable[~trust[unreadable.index]].groupby("principal_arn").size()
    counts["trust_documents_unreadable"] = unreadable[trust[unreadable.index]].groupby("principal_arn").size()
    return counts


def _missing_documents(policies: pd.DataFrame, arns: pd.Series) -> pd.Series:
    """Attached policies whose document the snapshot does not hold (e.g. an AWS-managed policy the source
    omitted): the principal's effective permissions are unknown, so its least-privilege verdicts are INCOMPLETE."""
    if policies.empty:
        return pd.Series(0, index=arns.index, dtype="int64")
    absent = policies[(policies["parse_error"] == NOT_IN_SNAPSHOT) & (policies["attachment"] != "trust")]
    counts = absent.groupby("principal_arn").size()
    return arns.map(counts).fillna(0).astype("int64")


def merge_facts(identities: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Identities with `facts` (keyed by account_id, arn) joined on; a fact column already present is replaced."""
    fact_columns = [column for column in facts.columns if column not in ("account_id", "arn")]
    base = identities.drop(columns=[column for column in fact_columns if column in identities.columns])
    return base.merge(facts, on=["account_id", "arn"], how="left", validate="one_to_one")
