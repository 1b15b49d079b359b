"""`organizations_policies`: the organization's SCPs and RCPs with their content and targets, read once per run
from the management (or delegated administrator) account, only with an `organization` section."""

from assurance_jobs.collect.organization_policies import collect_organization_policies
from assurance_jobs.scan.sources import organizations_policies
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=organizations_policies.SOURCE,
    api="organizations:ListPolicies",
    description="the organization's service and resource control policies (SCPs, RCPs) with their content and the "
    "roots, OUs and accounts they are attached to, read once per run beside the discovery: they bound every member "
    "principal's permissions and escalation paths (docs/privesc.md)",
    iam_actions=(
        "organizations:DescribeOrganization",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListTargetsForPolicy",
    ),
    optional=True,
    scope="organization",
    collect=collect_organization_policies,
    parse=organizations_policies.parse,
    parsed_in="privesc",
)
