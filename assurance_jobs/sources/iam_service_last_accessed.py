"""`iam_service_last_accessed`: IAM Access Advisor per user and role (only where enabled)."""

from assurance_jobs.collect.aws import collect_service_last_accessed
from assurance_jobs.scan.sources import iam_service_last_accessed
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=iam_service_last_accessed.SOURCE,
    api="iam:GenerateServiceLastAccessedDetails",
    description="IAM Access Advisor per user and role (service-linked roles skipped): each service's namespace and "
    "when the principal last authenticated to it, for NHI-RT-005 before 90 days of activity are stored (only where "
    "enabled)",
    iam_actions=(
        "iam:ListUsers",
        "iam:ListRoles",
        "iam:GenerateServiceLastAccessedDetails",
        "iam:GetServiceLastAccessedDetails",
    ),
    optional=True,
    enabled_by="collect_service_last_accessed",
    collect=collect_service_last_accessed,
    parse=iam_service_last_accessed.parse,
    parsed_in="runtime",
)
