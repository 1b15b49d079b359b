"""Small IAM estates in the real GetAccountAuthorizationDetails format, for the privilege-escalation tests.

Documents are URL-encoded JSON as the API returns them; managed policies appear in ``Policies`` with their
version list; users, roles and groups carry the same keys the API does. ``facts()`` runs the real inventory and
the policy facts over the snapshot, exactly as the pipeline does.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from fixtures.inventory.snapshot_builder import ACCOUNT, TAKEN_AT, arn, inventory_of

from assurance_jobs.scan.policy_join import inventory_with_policy_facts
from assurance_jobs.snapshot.model import IAM_AUTHORIZATION_DETAILS, SourceBlob

ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def allow(actions: str | list[str], resource: str | list[str] = "*", condition: dict | None = None) -> dict:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        stmt["Condition"] = condition
    return stmt


def deny(actions: str | list[str], resource: str | list[str] = "*") -> dict:
    return {"Effect": "Deny", "Action": actions, "Resource": resource}


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust(*principals: str, service: str | None = None, condition: dict | None = None) -> dict:
    principal: dict[str, Any] = {}
    if principals:
        principal["AWS"] = list(principals)
    if service:
        principal["Service"] = service
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return policy(stmt)


ADMIN = policy(allow("*"))


def _encoded(document: dict) -> str:
    return urllib.parse.quote(json.dumps(document))


@dataclass
class Estate:
    """One account's authorization details, built up principal by principal."""

    account_id: str = ACCOUNT
    users: list[dict] = field(default_factory=list)
    roles: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    policies: list[dict] = field(default_factory=list)

    def managed(self, name: str, document: dict) -> str:
        policy_arn = f"arn:aws:iam::{self.account_id}:policy/{name}"
        version = {"Document": _encoded(document), "VersionId": "v1", "IsDefaultVersion": True}
        self.policies.append(
            {
                "PolicyName": name,
                "Arn": policy_arn,
                "DefaultVersionId": "v1",
                "AttachmentCount": 1,
                "PolicyVersionList": [version],
            }
        )
        return policy_arn

    def _holder(self, name: str, inline: list[dict], managed: list[str], key: str) -> dict:
        return {
            key: [{"PolicyName": f"{name}-inline-{i}", "PolicyDocument": _encoded(d)} for i, d in enumerate(inline)],
            "AttachedManagedPolicies": [{"PolicyName": m.rsplit("/", 1)[-1], "PolicyArn": m} for m in managed],
        }

    def group(self, name: str, inline: list[dict] = (), managed: list[str] = ()) -> None:
        holder = self._holder(name, list(inline), list(managed), "GroupPolicyList")
        self.groups.append({"GroupName": name, "Path": "/", "Arn": arn("group", name, self.account_id), **holder})

    def user(
        self,
        name: str,
        inline: list[dict] = (),
        managed: list[str] = (),
        groups: list[str] = (),
        boundary: str | None = None,
    ) -> str:
        user_arn = arn("user", name, self.account_id)
        entry = {
            "UserName": name,
            "Path": "/",
            "UserId": f"AIDA{name.upper()}",
            "Arn": user_arn,
            "CreateDate": "2026-01-01T00:00:00+00:00",
            "GroupList": list(groups),
            "Tags": [],
            **self._holder(name, list(inline), list(managed), "UserPolicyList"),
        }
        if boundary:
            entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
        self.users.append(entry)
        return user_arn

    def role(
        self,
        name: str,
        trust_policy: dict,
        inline: list[dict] = (),
        managed: list[str] = (),
        boundary: str | None = None,
    ) -> str:
        role_arn = arn("role", name, self.account_id)
        entry = {
            "RoleName": name,
            "Path": "/",
            "RoleId": f"AROA{name.upper()}",
            "Arn": role_arn,
            "CreateDate": "2026-01-01T00:00:00+00:00",
            "AssumeRolePolicyDocument": _encoded(trust_policy),
            "Tags": [],
            "RoleLastUsed": {},
            **self._holder(name, list(inline), list(managed), "RolePolicyList"),
        }
        if boundary:
            entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
        self.roles.append(entry)
        return role_arn

    def blob(self) -> SourceBlob:
        page = {
            "UserDetailList": self.users,
            "RoleDetailList": self.roles,
            "GroupDetailList": self.groups,
            "Policies": self.policies,
            "IsTruncated": False,
        }
        content = json.dumps({"pages": [page]}).encode()
        return SourceBlob(
            account_id=self.account_id, source=IAM_AUTHORIZATION_DETAILS, content=content, region=None, extension="json"
        )


def facts(*estates: Estate) -> pd.DataFrame:
    """Identity facts (indexed by ARN) of a snapshot holding these accounts, as the pipeline computes them."""
    inventory = inventory_of([e.blob() for e in estates])
    return inventory_with_policy_facts(inventory, [], TAKEN_AT).identities.set_index("arn")
