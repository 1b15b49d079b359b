"""A small emulated AWS Organization on moto, and ways to make one member misbehave.

Layout (moto's default account 123456789012 is the management account):

    Root
    ├── prod            payments (env=prod), suspended-app (closed: SUSPENDED)
    │   └── prod-eu     ledger (env=prod, team=data)
    └── dev             sandbox (env=dev)

Each member gets one service user with an access key and one role, created through the member role, so the
collector reads each member's own emulated IAM. Injections use botocore's event system on the sessions the
product creates, so the product's code paths (AssumeRole, adaptive retries) run unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from collect_fixtures import parsed_error, query_error

from assurance_jobs.collect import plan

MANAGEMENT = "123456789012"
MEMBER_ROLE = "AssuranceReadOnly"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@dataclass(frozen=True)
class Organization:
    root: str
    ous: dict[str, str]  # name → OU id
    accounts: dict[str, str]  # name → account id


def build_organization() -> Organization:
    """Create the organization above inside an active moto mock."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    prod = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    prod_eu = org.create_organizational_unit(ParentId=prod, Name="prod-eu")["OrganizationalUnit"]["Id"]
    dev = org.create_organizational_unit(ParentId=root, Name="dev")["OrganizationalUnit"]["Id"]
    placement = {
        "payments": (prod, {"env": "prod"}),
        "suspended-app": (prod, {"env": "prod"}),
        "ledger": (prod_eu, {"env": "prod", "team": "data"}),
        "sandbox": (dev, {"env": "dev"}),
    }
    accounts: dict[str, str] = {}
    for name, (parent, tags) in placement.items():
        created = org.create_account(
            AccountName=name, Email=f"{name}@example.com", Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )
        account_id = created["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parent)
        accounts[name] = account_id
        if name != "suspended-app":
            seed_member(account_id, name)
    org.close_account(AccountId=accounts["suspended-app"])
    return Organization(root, {"prod": prod, "prod-eu": prod_eu, "dev": dev}, accounts)


def seed_member(account_id: str, name: str) -> None:
    iam = member_session(account_id).client("iam")
    iam.create_user(UserName=f"{name}-deployer", Tags=[{"Key": "owner", "Value": "platform@example.com"}])
    iam.create_access_key(UserName=f"{name}-deployer")
    iam.create_role(RoleName=f"{name}-task", AssumeRolePolicyDocument=TRUST)


def member_session(account_id: str) -> boto3.Session:
    sts = boto3.client("sts", region_name="us-east-1")
    role = f"arn:aws:iam::{account_id}:role/{MEMBER_ROLE}"
    credentials = sts.assume_role(RoleArn=role, RoleSessionName="seed")["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


def organization_config(**organization: Any) -> dict[str, Any]:
    return {"organization": {"member_role_name": MEMBER_ROLE, **organization}, "max_attempts": 2}


def misbehaving_members(
    denied: set[str] = frozenset(), throttled: set[str] = frozenset()
) -> Callable[[Any, Any], boto3.Session]:
    """A stand-in for `plan.session_for` that calls the real one, after teaching the sessions to fail:
    AssumeRole into a `denied` account answers AccessDenied; IAM GetAccountAuthorizationDetails in a
    `throttled` account answers Throttling on every attempt, so botocore's retries run out."""
    real = plan.session_for

    def deny_assume(params: dict[str, Any], **_: Any) -> Any:
        body = params.get("body")  # before-call sees the serialized request: query protocol, a dict body
        role_arn = str(body.get("RoleArn", "")) if isinstance(body, dict) else ""
        if any(f"::{account}:" in role_arn for account in denied):
            return parsed_error("AccessDenied", message=f"not authorized to perform sts:AssumeRole on {role_arn}")
        return None

    def throttle(**_: Any) -> Any:
        return query_error("Throttling", 400, "Rate exceeded")

    def session_for(account: Any, base: boto3.Session | None = None, **options: Any) -> boto3.Session:
        if options.get("sts") is not None:  # members are entered through the management credentials' client
            options["sts"].meta.events.register("before-call.sts.AssumeRole", deny_assume, unique_id="deny-assume")
        session = real(account, base, **options)
        if account.role_arn and any(f"::{a}:" in account.role_arn for a in throttled):
            session.events.register_first("before-send.iam.GetAccountAuthorizationDetails", throttle)
        return session

    return session_for
