"""`iam_roles`: roles with MaxSessionDuration, which the authorization details leave out."""

from assurance_jobs.collect.aws import collect_pages
from assurance_jobs.scan.sources import iam_roles
from assurance_jobs.snapshot.model import IAM_ROLES
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=IAM_ROLES,
    api="iam:ListRoles",
    description="roles with MaxSessionDuration (not in the authorization details)",
    iam_actions=("iam:ListRoles",),
    collect=collect_pages,
    parse=iam_roles.parse,
    parsed_in="inventory",
)
