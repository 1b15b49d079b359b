"""Existing-resource methods decided from a resource inventory (the typed input later collectors will fill).

The inventory is built in memory: one ``ExistingResource`` per resource with the role it runs as, and the
(account, kind) pairs that were collected completely.
"""

from __future__ import annotations

from privesc_estate import ADMIN, Estate, allow, facts, policy, trust

from assurance_jobs.scan.privesc_inputs import ExistingResource, ResourceInventory

OTHER = "999988887777"


def _function(e: Estate, name: str, role: str, account: str | None = None) -> ExistingResource:
    account = account or e.account_id
    return ExistingResource("lambda_function", f"arn:aws:lambda:eu-west-1:{account}:function:{name}", account, role)


def _collected(*resources: ExistingResource, kinds: tuple[tuple[str, str], ...] = ()) -> ResourceInventory:
    return ResourceInventory(resources, frozenset(kinds or {(r.account_id, r.kind) for r in resources}))


def _developer(e: Estate, resource: str = "*") -> str:
    return e.role(
        "svc-dev", trust(service="ec2.amazonaws.com"), inline=[policy(allow("lambda:UpdateFunctionCode", resource))]
    )


def test_updating_a_function_that_runs_as_an_admin_role_is_a_path_through_the_function():
    e = Estate()
    dev = _developer(e)
    admin = e.role("nightly-admin", trust(service="lambda.amazonaws.com"), inline=[ADMIN])
    row = facts(e, resources=_collected(_function(e, "nightly", admin))).loc[dev]
    assert row["privesc_path"] == (
        "svc-dev → lambda:UpdateFunctionCode → function:nightly → runs as role/nightly-admin → admin"
    )


def test_a_function_that_runs_as_an_unprivileged_role_leaves_the_method_latent():
    e = Estate()
    dev = _developer(e)
    logs = e.role("nightly-logs", trust(service="lambda.amazonaws.com"), inline=[policy(allow("logs:PutLogEvents"))])
    row = facts(e, resources=_collected(_function(e, "nightly", logs))).loc[dev]
    assert not row["privesc_escalates"] and not row["privesc_undecidable"]
    assert (
        "lambda:UpdateFunctionCode — missing: a Lambda function it may act on that runs as a privileged role"
        in row["privesc_latent_path"]
    )


def test_functions_collected_and_none_found_is_latent_not_undecidable():
    e = Estate()
    dev = _developer(e)
    row = facts(e, resources=_collected(kinds=((e.account_id, "lambda_function"),))).loc[dev]
    assert not row["privesc_undecidable"]
    assert "lambda:UpdateFunctionCode — missing: a Lambda function in the account" in row["privesc_latent_path"]


def test_functions_collected_in_another_account_only_leave_this_account_undecidable():
    e = Estate()
    dev = _developer(e)
    admin = e.role("nightly-admin", trust(service="lambda.amazonaws.com"), inline=[ADMIN])
    elsewhere = _function(e, "nightly", admin, account=OTHER)
    row = facts(e, resources=_collected(elsewhere)).loc[dev]
    assert not row["privesc_escalates"] and row["privesc_undecidable"]


def test_a_grant_scoped_to_another_function_does_not_reach_the_admin_function():
    e = Estate()
    dev = _developer(e, f"arn:aws:lambda:eu-west-1:{e.account_id}:function:sandbox-*")
    admin = e.role("nightly-admin", trust(service="lambda.amazonaws.com"), inline=[ADMIN])
    row = facts(e, resources=_collected(_function(e, "nightly", admin))).loc[dev]
    assert not row["privesc_escalates"] and row["privesc_latent"]


def test_an_ssm_managed_instance_is_reached_through_the_role_of_its_instance_profile():
    e = Estate()
    ops = e.role("ops", trust(service="ec2.amazonaws.com"), inline=[policy(allow("ssm:SendCommand"))])
    admin = e.role("web-admin", trust(service="ec2.amazonaws.com"), inline=[ADMIN], instance_profile=True)
    instance = ExistingResource(
        "ssm_managed_instance",
        f"arn:aws:ec2:eu-west-1:{e.account_id}:instance/i-0abc",
        e.account_id,
        admin,
        via="instance profile web-admin",
    )
    assert facts(e, resources=_collected(instance)).loc[ops, "privesc_path"] == (
        "ops → ssm:SendCommand → instance/i-0abc → runs as role/web-admin via instance profile web-admin → admin"
    )


ECS = ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"]


def _ecs_estate() -> tuple[Estate, str]:
    e = Estate()
    runner = e.role("task-runner", trust(service="ec2.amazonaws.com"), inline=[policy(allow(ECS))])
    e.role("task-admin", trust(service="ecs-tasks.amazonaws.com"), inline=[ADMIN])
    return e, runner


def test_running_a_task_needs_an_existing_cluster_which_without_an_inventory_is_undecidable():
    e, runner = _ecs_estate()
    row = facts(e).loc[runner]
    assert not row["privesc_escalates"] and row["privesc_undecidable"]
    assert "undecidable: needs the ECS clusters" in row["privesc_latent_path"]


def test_running_a_task_in_an_existing_cluster_with_a_passable_admin_role_is_a_path():
    e, runner = _ecs_estate()
    cluster = ExistingResource("ecs_cluster", f"arn:aws:ecs:eu-west-1:{e.account_id}:cluster/prod", e.account_id)
    row = facts(e, resources=_collected(cluster)).loc[runner]
    assert row["privesc_path"] == (
        "task-runner → iam:PassRole+ecs:RegisterTaskDefinition+ecs:RunTask → pass role/task-admin to "
        "ecs-tasks.amazonaws.com → admin"
    )
