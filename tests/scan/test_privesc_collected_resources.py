"""Collected resources as the escalation analysis reads them: roles resolved through instance profiles and SSM's EC2
nodes, and a listing that failed kept apart from one never asked for — the first makes the principal's verdict
INCOMPLETE (`privesc_resources_unreadable`), the second leaves the method undecidable (NHI-LP-008)."""

from __future__ import annotations

from privesc_estate import ADMIN, Estate, allow, facts, policy, trust

from assurance_jobs.scan.privesc_inputs import (
    ExistingResource,
    IamEstate,
    ListedResource,
    ResourceInventory,
    ResourceListing,
    resource_inventory_of,
)

REGION = "eu-west-1"
DENIED = "lambda:ListFunctions AccessDeniedException in eu-west-1"


def _function_arn(e: Estate, name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{e.account_id}:function:{name}"


def _updater(e: Estate) -> str:
    return e.user("svc-updater", inline=[policy(allow("lambda:UpdateFunctionCode"))])


def _functions(e: Estate, *functions: tuple[str, str], incomplete: str = "") -> ResourceInventory | None:
    listed = tuple(ListedResource("lambda_function", _function_arn(e, name), role) for name, role in functions)
    return resource_inventory_of([ResourceListing(e.account_id, ("lambda_function",), listed, incomplete)], None)


def test_a_denied_function_listing_makes_the_method_undecidable_and_the_verdict_incomplete():
    e = Estate()
    updater = _updater(e)
    row = facts(e, resources=_functions(e, incomplete=DENIED)).loc[updater]
    assert (row["privesc_escalates"], row["privesc_undecidable"], row["privesc_resources_unreadable"]) == (
        False,
        True,
        1,
    )
    assert f"whose collection failed here ({DENIED})" in row["privesc_latent_path"]


def test_a_kind_never_collected_is_undecidable_but_not_missing_evidence():
    e = Estate()
    updater = _updater(e)
    other_kind = ResourceListing(e.account_id, ("glue_job",))
    row = facts(e, resources=resource_inventory_of([other_kind], None)).loc[updater]
    assert (row["privesc_undecidable"], row["privesc_resources_unreadable"]) == (True, 0)
    assert "undecidable: needs the Lambda functions" in row["privesc_latent_path"]


def test_functions_listed_completely_and_none_found_is_latent():
    e = Estate()
    updater = _updater(e)
    row = facts(e, resources=_functions(e)).loc[updater]
    assert (row["privesc_undecidable"], row["privesc_resources_unreadable"]) == (False, 0)
    assert "lambda:UpdateFunctionCode — missing: a Lambda function in the account" in row["privesc_latent_path"]


def test_a_partial_listing_that_names_an_admin_function_is_still_a_path_and_certain():
    e = Estate()
    updater = _updater(e)
    admin = e.role("nightly-exec", trust(service="lambda.amazonaws.com"), inline=[ADMIN])
    row = facts(e, resources=_functions(e, ("nightly", admin), incomplete=DENIED)).loc[updater]
    assert row["privesc_path"] == (
        "svc-updater → lambda:UpdateFunctionCode → function:nightly → runs as role/nightly-exec → admin"
    )
    assert row["privesc_resources_unreadable"] == 0


def test_a_partial_listing_of_unprivileged_functions_stays_incomplete_not_latent():
    e = Estate()
    updater = _updater(e)
    logs = e.role("logs-only", trust(service="lambda.amazonaws.com"), inline=[policy(allow("logs:PutLogEvents"))])
    row = facts(e, resources=_functions(e, ("shipper", logs), incomplete=DENIED)).loc[updater]
    assert (row["privesc_escalates"], row["privesc_resources_unreadable"]) == (False, 1)


def test_a_principal_that_can_assume_the_method_holder_is_incomplete_through_it():
    e = Estate()
    ci = e.user("svc-ci", inline=[policy(allow("sts:AssumeRole"))])
    e.role("deployer", trust(f"arn:aws:iam::{e.account_id}:root"), inline=[policy(allow("lambda:UpdateFunctionCode"))])
    row = facts(e, resources=_functions(e, incomplete=DENIED)).loc[ci]
    assert row["privesc_resources_unreadable"] == 1
    assert row["privesc_latent_path"].startswith("svc-ci → assume role/deployer (trusts account root) → ")


def test_a_principal_holding_no_resource_method_is_not_touched_by_a_failed_listing():
    e = Estate()
    reader = e.user("svc-reader", inline=[policy(allow("s3:GetObject"))])
    row = facts(e, resources=_functions(e, incomplete=DENIED)).loc[reader]
    assert (row["privesc_latent"], row["privesc_resources_unreadable"]) == (False, 0)


ACCOUNT = "111122223333"
PROFILE = f"arn:aws:iam::{ACCOUNT}:instance-profile/web"
WEB_ROLE = f"arn:aws:iam::{ACCOUNT}:role/web"
ESTATE = IamEstate(instance_profiles={WEB_ROLE: (PROFILE,)})
INSTANCE = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0abc"


def _ec2(incomplete: str = "", *instances: ListedResource) -> ResourceListing:
    return ResourceListing(ACCOUNT, ("ec2_instance",), instances, incomplete)


def _ssm(*nodes: ListedResource) -> ResourceListing:
    return ResourceListing(ACCOUNT, ("ssm_managed_instance",), nodes)


WEB = ListedResource("ec2_instance", INSTANCE, instance_profile_arn=PROFILE, instance_id="i-0abc")
NODE = ListedResource("ssm_managed_instance", INSTANCE, instance_id="i-0abc")


def test_an_instance_runs_as_the_role_of_its_instance_profile():
    inventory = resource_inventory_of([_ec2("", WEB)], ESTATE)
    assert inventory is not None
    assert inventory.of(ACCOUNT, "ec2_instance") == (
        ExistingResource("ec2_instance", INSTANCE, ACCOUNT, WEB_ROLE, "instance profile web"),
    )


def test_an_ssm_node_that_is_an_ec2_instance_runs_as_that_instances_profile_role():
    inventory = resource_inventory_of([_ec2("", WEB), _ssm(NODE)], ESTATE)
    assert inventory is not None and inventory.decided(ACCOUNT, "ssm_managed_instance")
    assert [r.role_arn for r in inventory.of(ACCOUNT, "ssm_managed_instance")] == [WEB_ROLE]


def test_an_ssm_node_whose_instance_listing_failed_leaves_ssm_unreadable_too():
    failed = "ec2:DescribeInstances Throttling in eu-west-1"
    inventory = resource_inventory_of([_ec2(failed), _ssm(NODE)], ESTATE)
    assert inventory is not None and not inventory.decided(ACCOUNT, "ssm_managed_instance")
    assert inventory.failed(ACCOUNT, "ssm_managed_instance") == f"the roles of its EC2 instances are unknown ({failed})"


def test_an_ssm_node_without_an_instance_listing_is_unreadable_not_roleless():
    inventory = resource_inventory_of([_ssm(NODE)], ESTATE)
    assert inventory is not None
    assert "ec2:DescribeInstances was not collected" in inventory.failed(ACCOUNT, "ssm_managed_instance")


def test_an_ssm_node_whose_instance_a_complete_listing_lacks_is_gone():
    inventory = resource_inventory_of([_ec2(""), _ssm(NODE)], ESTATE)
    assert inventory is not None and inventory.decided(ACCOUNT, "ssm_managed_instance")
    assert inventory.of(ACCOUNT, "ssm_managed_instance") == ()


def test_no_resource_source_collected_is_no_inventory():
    assert resource_inventory_of([], ESTATE) is None
