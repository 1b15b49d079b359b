"""`organizations_policies`: the organization's SCPs and RCPs — content and attachments — with each account's
place in the tree, as the `Organization` the escalation and effective-permission analysis is bounded by.

The file sits beside the discovery's (`organizations_discovery`, under the account that ran both), whose tree
pages say where each account sits (root, OUs down to its parent). What could not be read becomes exactly the
accounts it leaves unknown (`Organization.unreadable_accounts`, their least-privilege verdicts INCOMPLETE):

* a policy whose content is unknown (`ContentError`) is kept with empty content, which `privesc_org` reads as
  unreadable for the accounts below its targets only;
* a policy whose targets are unknown (`TargetsError`), a policy type whose listing did not finish (absent from
  `listed`), an unknown management account, or a collection that failed before writing anything: every member;
* an account the discovery listed but could not place in the tree: that account.

A snapshot with a discovery file and no trace of this source (taken before it existed) gives None: the facts are
then exactly those without an organization, as they were when that snapshot was judged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from assurance_jobs.scan.privesc_org import RCP, SCP, Organization, OrganizationPolicy, PolicyTarget
from assurance_jobs.scan.sources.common import Context, dicts
from assurance_jobs.snapshot.model import Snapshot

SOURCE = "organizations_policies"
DISCOVERY = "organizations_discovery"


def parse(snapshot: Snapshot, account_id: str, ctx: Context) -> Organization | None:
    """The organization whose discovery ran from `account_id` (None: not this account, or never collected)."""
    discovery = _json(snapshot, account_id, DISCOVERY, ctx)
    collected = any(status.source == SOURCE for status in snapshot.manifest.collection_status)
    if discovery is None or not (collected or snapshot.file(account_id, SOURCE)):
        return None
    ancestors = ancestors_of(discovery.get("tree"))
    listed = {str(a.get("Id")) for page in dicts(discovery.get("pages")) for a in dicts(page.get("Accounts"))}
    evidence = _json(snapshot, account_id, SOURCE, ctx) or {}
    management = str((evidence.get("organization") or {}).get("MasterAccountId") or "")
    everywhere = not management or not {SCP, RCP} <= set(evidence.get("listed") or [])
    policies = []
    for policy in (p for page in dicts(evidence.get("pages")) for p in dicts(page.get("Policies"))):
        targets = policy.get("Targets")
        everywhere |= not isinstance(targets, list)
        policies.append(_policy(policy, dicts(targets)))
    unplaced = listed - set(ancestors)
    unreadable = (set(ancestors) | listed) if everywhere else unplaced
    return Organization(management, ancestors, tuple(policies), frozenset(unreadable))


def _policy(policy: dict[str, Any], targets: Iterable[dict[str, Any]]) -> OrganizationPolicy:
    """One policy as the analysis reads it; unknown content stays empty, which reads as unreadable."""
    content = policy.get("Content")
    return OrganizationPolicy(
        policy_id=str(policy.get("Id") or ""),
        name=str(policy.get("Name") or policy.get("Id") or ""),
        kind=str(policy.get("Type") or ""),
        content=content if isinstance(content, str) else "",
        targets=tuple(
            PolicyTarget(str(t.get("TargetId")), str(t.get("Name") or ""), str(t.get("Type") or ""))
            for t in targets
            if t.get("TargetId")
        ),
    )


def ancestors_of(tree: Any) -> dict[str, tuple[str, ...]]:
    """Account id -> (root id, OU ids down to its parent), from the discovery's ListRoots /
    ListOrganizationalUnitsForParent / ListAccountsForParent pages."""
    parent: dict[str, str] = {}
    accounts: set[str] = set()
    for entry in dicts(tree):
        page = entry.get("page") if isinstance(entry.get("page"), dict) else {}
        for unit in dicts(page.get("OrganizationalUnits")):
            parent[str(unit.get("Id"))] = str(entry.get("parent"))
        for account in dicts(page.get("Accounts")):
            parent[str(account.get("Id"))] = str(entry.get("parent"))
            accounts.add(str(account.get("Id")))
    placed = {}
    for account in accounts:
        chain, node = [], parent[account]
        while node in parent and node not in chain:  # up to the root (which has no parent)
            chain.append(node)
            node = parent[node]
        placed[account] = (node, *reversed(chain))
    return placed


def _json(snapshot: Snapshot, account_id: str, source: str, ctx: Context) -> dict[str, Any] | None:
    entry = snapshot.file(account_id, source)
    if entry is None:
        return None
    try:
        loaded = json.loads(snapshot.contents[entry.path])
    except (KeyError, TypeError, ValueError) as error:
        ctx.warnings.append(f"{entry.path}: unreadable snapshot file ({type(error).__name__})")
        return {}
    return loaded if isinstance(loaded, dict) else {}
