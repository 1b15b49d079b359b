"""`organizations_discovery`: the organization's accounts with state, OU and tags, read once per run."""

from assurance_jobs.collect.organization import DISCOVERY_SOURCE
from assurance_jobs.source import Source

SOURCE = Source(
    name=DISCOVERY_SOURCE,
    api="organizations:ListAccounts",
    kind="aws",
    description="the organization's accounts with their state, OU and (for tag filters) tags: the accounts a run "
    "must cover, read once per run from the management or delegated-administrator account (docs/organizations.md)",
    iam_actions=(
        "organizations:ListAccounts",
        "organizations:ListRoots",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccountsForParent",
        "organizations:ListTagsForResource",
    ),
    optional=True,
    scope="organization",
    collected_by="collect/plan.py (discovery, once per run)",
)
