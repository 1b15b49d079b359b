"""`iam_server_certificates`: server certificates with their expiry."""

from assurance_jobs.collect.aws import collect_pages
from assurance_jobs.scan.sources import iam_server_certificates
from assurance_jobs.snapshot.model import IAM_SERVER_CERTIFICATES
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=IAM_SERVER_CERTIFICATES,
    api="iam:ListServerCertificates",
    description="server certificates with their expiry",
    iam_actions=("iam:ListServerCertificates",),
    tables=("credentials",),
    row_kinds=("server_certificate",),
    collect=collect_pages,
    parse=iam_server_certificates.parse,
    parsed_in="inventory",
)
