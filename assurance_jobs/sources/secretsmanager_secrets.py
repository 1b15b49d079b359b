"""`secretsmanager_secrets`: secret metadata per region — rotation, last rotated, last accessed; never values."""

from assurance_jobs.collect.aws import collect_pages
from assurance_jobs.scan.sources import secretsmanager_secrets
from assurance_jobs.snapshot.model import SECRETSMANAGER_SECRETS
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=SECRETSMANAGER_SECRETS,
    api="secretsmanager:ListSecrets",
    description="secret metadata per region: rotation, last rotated, last accessed — never values",
    regional=True,
    iam_actions=("secretsmanager:ListSecrets",),
    tables=("credentials",),
    row_kinds=("secret",),
    collect=collect_pages,
    parse=secretsmanager_secrets.parse,
    parsed_in="inventory",
)
