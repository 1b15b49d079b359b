"""`iam_authorization_details`: every user, group, role and managed policy with their documents."""

from assurance_jobs.collect.aws import collect_pages
from assurance_jobs.scan.sources import iam_authorization_details
from assurance_jobs.snapshot.model import IAM_AUTHORIZATION_DETAILS
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=IAM_AUTHORIZATION_DETAILS,
    api="iam:GetAccountAuthorizationDetails",
    description="every user, group, role and managed policy with their documents (all pages, MaxItems 1000)",
    iam_actions=("iam:GetAccountAuthorizationDetails",),
    tables=("identities", "policies"),
    row_kinds=("user", "role"),
    collect=collect_pages,
    parse=iam_authorization_details.parse,
    parsed_in="inventory",
)
