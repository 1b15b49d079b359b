"""`organizations_accounts`: the organization's accounts as one account sees them (only where enabled)."""

from assurance_jobs.collect.aws import collect_pages
from assurance_jobs.snapshot.model import ORGANIZATIONS_ACCOUNTS
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=ORGANIZATIONS_ACCOUNTS,
    api="organizations:ListAccounts",
    description="the organization's accounts (only where enabled)",
    iam_actions=("organizations:ListAccounts",),
    optional=True,
    enabled_by="collect_organizations",
    collect=collect_pages,
)
