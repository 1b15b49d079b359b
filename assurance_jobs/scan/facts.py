"""Join the policy engine's per-principal facts onto the inventory's identity rows (pure)."""

from __future__ import annotations

from dataclasses import replace

from assurance_jobs.scan.inventory import Inventory
from assurance_jobs.scan.principal_facts import policy_facts_for


def inventory_with_policy_facts(inventory: Inventory, known_accounts: list[str]) -> Inventory:
    """Identities gain effective-permission, escalation and trust facts computed over their combined policies."""
    facts = policy_facts_for(inventory.policies, inventory.identities, known_accounts)
    fact_columns = [column for column in facts.columns if column not in ("account_id", "arn")]
    base = inventory.identities.drop(columns=[c for c in fact_columns if c in inventory.identities.columns])
    identities = base.merge(facts, on=["account_id", "arn"], how="left", validate="one_to_one")
    return replace(inventory, identities=identities)
