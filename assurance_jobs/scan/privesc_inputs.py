"""What the privilege-escalation analysis reads beyond each principal's own documents: typed, pure inputs.

WHY a module of its own: the escalation graph decides a method only where the snapshot holds what the method needs
(a group to join, an instance profile, a user without a password, a Lambda function that runs as a role). Some of
that is already in every snapshot (the authorization details' groups and instance profiles, the credential report);
the rest — the resources that run as roles, and the organization's policies (``privesc_org``) — comes from the
registry's resource and Organizations sources (``scan/privesc_snapshot.py`` reads them from the snapshot). This
module is the contract between those collectors and the analysis: plain frozen dataclasses, no I/O, no pandas.

``None`` always means "not collected": a method whose prerequisite lives in an input that is ``None`` is reported
*undecidable* (NHI-LP-008, "undecidable: needs …"), never dropped and never passed. An input that is present but
empty means "collected, and there is none": the method is *latent* (its prerequisite is missing).

How a collector plugs resources in (docs/privesc.md, "Inputs"): its parser returns a ``ResourceListing`` (the
resources as listed, and why the listing is incomplete); ``resource_inventory_of`` resolves each one's role (an EC2
instance → its instance profile → the profile's role) into an ``ExistingResource``, with one ``(account_id, kind)``
pair in ``ResourceInventory.collected`` per account and kind read completely. A kind that was denied or failed
for an account is in ``unreadable`` instead, with why: its methods stay undecidable there, and the principals
whose verdict depends on them read INCOMPLETE.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from assurance_jobs.scan.grants import AWS_MANAGED_POLICY
from assurance_jobs.scan.privesc_org import Organization
from assurance_jobs.scan.sources.common import decode_policy_document, dicts
from assurance_jobs.scan.sources.iam_authorization_details import AuthorizationDetails, managed_document


@dataclass(frozen=True)
class ResourceKind:
    """One kind of existing resource an escalation method needs: how reports name it, and what collects it."""

    label: str  # singular, with its article: "a Lambda function"
    inventory: str  # what a collector must read: "the Lambda functions and their execution roles (lambda:…)"
    runs_as_role: bool = True  # False: only its existence matters (an ECS cluster to run a task in)


# Every kind the catalogue (data/privesc_methods.yaml, `targets` / `needs_existing`) may name.
RESOURCE_KINDS: dict[str, ResourceKind] = {
    "lambda_function": ResourceKind(
        "a Lambda function", "the Lambda functions and their execution roles (lambda:ListFunctions)"
    ),
    "lambda_event_source": ResourceKind(
        "an event source (DynamoDB or Kinesis stream, SQS queue)",
        "the streams and queues a function can be mapped to (dynamodb:ListStreams, kinesis:ListStreams, "
        "sqs:ListQueues)",
        runs_as_role=False,
    ),
    "cloudformation_stack": ResourceKind(
        "a CloudFormation stack", "the CloudFormation stacks and their service roles (cloudformation:DescribeStacks)"
    ),
    "cloudformation_stack_set": ResourceKind(
        "a CloudFormation StackSet", "the StackSets (cloudformation:ListStackSets)", runs_as_role=False
    ),
    "codebuild_project": ResourceKind(
        "a CodeBuild project",
        "the CodeBuild projects and their service roles (codebuild:ListProjects, codebuild:BatchGetProjects)",
    ),
    "ec2_instance": ResourceKind(
        "an EC2 instance",
        "the EC2 instances and the roles of their instance profiles (ec2:DescribeInstances)",
    ),
    "ssm_managed_instance": ResourceKind(
        "an SSM-managed instance",
        "the SSM-managed instances and the roles of their instance profiles (ssm:DescribeInstanceInformation, "
        "ec2:DescribeInstances)",
    ),
    "ec2_launch_template": ResourceKind(
        "an EC2 launch template",
        "the launch templates and the roles of their instance profiles (ec2:DescribeLaunchTemplateVersions)",
    ),
    "ecs_cluster": ResourceKind("an ECS cluster", "the ECS clusters (ecs:ListClusters)", runs_as_role=False),
    "ecs_container_instance": ResourceKind(
        "an ECS container instance",
        "the ECS container instances (ecs:ListContainerInstances)",
        runs_as_role=False,
    ),
    "glue_job": ResourceKind("a Glue job", "the Glue jobs (glue:GetJobs)", runs_as_role=False),
    "glue_dev_endpoint": ResourceKind(
        "a Glue development endpoint", "the Glue development endpoints and their roles (glue:GetDevEndpoints)"
    ),
    "sagemaker_notebook": ResourceKind(
        "a SageMaker notebook instance",
        "the SageMaker notebook instances and their execution roles (sagemaker:ListNotebookInstances, "
        "sagemaker:DescribeNotebookInstance)",
    ),
    "apprunner_service": ResourceKind(
        "an App Runner service",
        "the App Runner services and their instance roles (apprunner:ListServices, apprunner:DescribeService)",
    ),
    "bedrock_code_interpreter": ResourceKind(
        "a Bedrock AgentCore code interpreter",
        "the AgentCore code interpreters and their execution roles (bedrock-agentcore:ListCodeInterpreters)",
    ),
}


@dataclass(frozen=True)
class ExistingResource:
    """One resource that exists in an account, and the IAM role it runs as (None when it runs as none)."""

    kind: str  # a key of RESOURCE_KINDS
    arn: str
    account_id: str
    role_arn: str | None = None
    via: str = ""  # how the role is attached, for the path text: "instance profile web-prod"


@dataclass(frozen=True)
class ResourceInventory:
    """The existing resources the collectors read, which (account, kind) pairs they read completely, and which
    they tried to read and could not (denied, throttled, truncated), with why.

    A pair in ``unreadable`` is undecidable like a pair never collected, but the analysis tells them apart: a
    method left undecidable by a failed listing makes its principal's verdicts INCOMPLETE (missing evidence),
    whereas a kind nobody asked for is reported undecidable (NHI-LP-008). The resources a partial listing did
    return are real and keep their edges: a path through one of them is a path.
    """

    resources: tuple[ExistingResource, ...] = ()
    collected: frozenset[tuple[str, str]] = frozenset()
    unreadable: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (account, kind) -> why

    def decided(self, account_id: str, kind: str) -> bool:
        """True when this kind was collected completely in this account (so "none" really means none)."""
        return (account_id, kind) in self.collected

    def failed(self, account_id: str, kind: str) -> str:
        """Why this kind could not be read completely in this account ('' when it was, or was never asked for)."""
        return self.unreadable.get((account_id, kind), "")

    def listed(self, account_id: str, kind: str) -> bool:
        """True when the resources of this kind that exist here were listed, all of them or some (partial)."""
        return self.decided(account_id, kind) or (account_id, kind) in self.unreadable

    def of(self, account_id: str, kind: str) -> tuple[ExistingResource, ...]:
        return self._by_key.get((account_id, kind), ())

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], tuple[ExistingResource, ...]]:
        grouped: dict[tuple[str, str], list[ExistingResource]] = defaultdict(list)
        for resource in self.resources:
            grouped[(resource.account_id, resource.kind)].append(resource)
        return {key: tuple(sorted(found, key=lambda r: r.arn)) for key, found in grouped.items()}


@dataclass(frozen=True)
class ListedResource:
    """One resource as its listing names it: the role it runs as when the listing says so (a function's `Role`),
    or what leads to it — an EC2 instance's instance profile, the EC2 instance an SSM-managed node is."""

    kind: str  # a key of RESOURCE_KINDS
    arn: str
    role_arn: str | None = None
    instance_profile_arn: str | None = None  # EC2: the profile whose role the instance runs as
    instance_id: str | None = None  # EC2 instances, and SSM-managed nodes that are EC2 instances


@dataclass(frozen=True)
class ResourceListing:
    """What one resource source read in one account, over every region it was collected in: the resources, the
    kinds it lists, and why the listing is incomplete ('' when every call answered in full)."""

    account_id: str
    kinds: tuple[str, ...]
    resources: tuple[ListedResource, ...] = ()
    incomplete: str = ""


@dataclass(frozen=True)
class IamGroup:
    """One IAM group of the authorization details (GroupDetailList), members or not, with its documents."""

    account_id: str
    arn: str
    name: str
    documents: tuple[str, ...] = ()  # inline and managed (default version) policy documents, JSON text
    customer_policies: tuple[str, ...] = ()  # customer managed policy ARNs attached to it
    documents_missing: int = 0  # attached policies whose document the snapshot does not hold


@dataclass(frozen=True)
class IamEstate:
    """What the authorization details hold beyond each principal's own documents, over every account read."""

    groups: tuple[IamGroup, ...] = ()
    instance_profiles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # role ARN -> profile ARNs

    def merged(self, other: IamEstate) -> IamEstate:
        return IamEstate((*self.groups, *other.groups), {**self.instance_profiles, **other.instance_profiles})


@dataclass(frozen=True)
class UserCredentials:
    """What the credential report says about a user that the credential methods need (None: not known)."""

    password: bool | None = None  # a console password (login profile) exists
    access_keys: int | None = None  # access keys that exist, active or not (AWS allows two)


@dataclass(frozen=True)
class PrivescInputs:
    """Everything the escalation analysis reads besides the principals' own documents (see the module doc).

    ``iam``: groups and instance profiles from the authorization details (None: unknown, so joining a group is
    undecidable and passing a role to EC2 is not checked for an instance profile). ``users``: per user ARN; a user
    missing here is unknown (both login-profile methods and the one-key method may apply). ``resources``: the
    existing resources (None: not collected, so existing-resource methods are undecidable). ``organization``: the
    service and resource control policies (``privesc_org.Organization``; None: no organization configured, and
    nothing is blocked).
    """

    iam: IamEstate | None = None
    users: Mapping[str, UserCredentials] = field(default_factory=dict)
    resources: ResourceInventory | None = None
    organization: Organization | None = None


# ------------------------------------------------------------------------------------ from the snapshot's files


def _group_documents(details: AuthorizationDetails, group: dict[str, Any]) -> tuple[list[str], list[str], int]:
    """(readable documents, customer managed policy ARNs, documents missing or unreadable) of one group."""
    decoded = [decode_policy_document(inline.get("PolicyDocument")) for inline in dicts(group.get("GroupPolicyList"))]
    customer = []
    for managed in dicts(group.get("AttachedManagedPolicies")):
        arn = str(managed.get("PolicyArn"))
        customer += [] if AWS_MANAGED_POLICY.fullmatch(arn) else [arn]
        decoded.append(managed_document(details, arn))
    documents = [text for text, error in decoded if text is not None and error is None]
    return documents, customer, len(decoded) - len(documents)


def iam_estate_of(details: AuthorizationDetails, account_id: str) -> IamEstate:
    """Every group (with its documents) and every role's instance profiles, from one account's details."""
    groups = []
    for name, group in sorted(details.groups.items()):
        documents, customer, missing = _group_documents(details, group)
        arn = str(group.get("Arn") or f"arn:aws:iam::{account_id}:group/{name}")
        groups.append(IamGroup(account_id, arn, name, tuple(documents), tuple(customer), missing))
    profiles = {
        str(role.get("Arn")): tuple(sorted(str(p.get("Arn")) for p in dicts(role.get("InstanceProfileList"))))
        for role in details.roles
    }
    return IamEstate(tuple(groups), {arn: found for arn, found in profiles.items() if found})


def user_credentials_of(
    users: Iterable[tuple[str, bool | None]], access_keys: Mapping[str, int] | None
) -> dict[str, UserCredentials]:
    """Per user ARN: whether it has a console password (``identities.console_access``, from the credential report;
    None when the report was not read) and how many access keys exist (the credentials table's ``access_key`` rows;
    None for every user when the report was not read)."""
    return {
        arn: UserCredentials(password, None if access_keys is None or password is None else access_keys.get(arn, 0))
        for arn, password in users
    }


def resource_inventory_of(listings: Iterable[ResourceListing], estate: IamEstate | None) -> ResourceInventory | None:
    """The resources of every listing with the role each runs as resolved (an EC2 instance through its instance
    profile, held in the authorization details; an SSM-managed EC2 node through that instance), and per (account,
    kind) whether it was read completely. None when no resource source was collected at all.

    An SSM-managed node that is an EC2 instance takes its role from the EC2 listing: where that listing is
    incomplete or was not collected, the node's role is unknown and the SSM kind is unreadable there too."""
    listings = list(listings)
    if not listings:
        return None
    held = estate.instance_profiles if estate else {}
    profile_roles = {profile: role for role, profiles in held.items() for profile in profiles}
    instances = {
        (listing.account_id, r.instance_id): r
        for listing in listings
        for r in listing.resources
        if r.kind == "ec2_instance" and r.instance_id
    }
    why = {(listing.account_id, kind): listing.incomplete for listing in listings for kind in listing.kinds}
    resolved: list[ExistingResource] = []
    unknown: dict[tuple[str, str], str] = {}
    for listing in listings:
        for item in listing.resources:
            profile = item.instance_profile_arn
            if item.kind != "ec2_instance" and item.instance_id:  # an SSM-managed node that is an EC2 instance
                instance = instances.get((listing.account_id, item.instance_id))
                if instance is None:
                    ec2 = why.get((listing.account_id, "ec2_instance"), "ec2:DescribeInstances was not collected")
                    if ec2:  # the instance may exist unlisted: the node's role is unknown
                        unknown[(listing.account_id, item.kind)] = f"the roles of its EC2 instances are unknown ({ec2})"
                    continue  # a complete EC2 listing without it: the instance is gone (terminated)
                profile = instance.instance_profile_arn
            role, via = item.role_arn, ""
            if role is None and profile:
                role, via = profile_roles.get(profile), f"instance profile {profile.rsplit('/', 1)[-1]}"
            resolved.append(ExistingResource(item.kind, item.arn, listing.account_id, role, via))
    for key, text in unknown.items():
        why[key] = "; ".join(filter(None, (why[key], text)))
    return ResourceInventory(
        tuple(resolved),
        frozenset(key for key, text in why.items() if not text),
        {key: text for key, text in why.items() if text},
    )
