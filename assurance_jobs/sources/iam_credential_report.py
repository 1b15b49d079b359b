"""`iam_credential_report`: passwords and access keys with their ages and last use (the raw CSV)."""

from assurance_jobs.collect.aws import collect_credential_report
from assurance_jobs.scan.sources import iam_credential_report
from assurance_jobs.snapshot.model import IAM_CREDENTIAL_REPORT
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=IAM_CREDENTIAL_REPORT,
    api="iam:GenerateCredentialReport",
    description="the raw credential report CSV: passwords and access keys with their ages and last use",
    iam_actions=("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
    extension="csv",
    tables=("credentials",),
    row_kinds=("access_key", "console_password"),
    collect=collect_credential_report,
    parse=iam_credential_report.parse,
    parsed_in="inventory",
)
