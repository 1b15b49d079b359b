"""Small IAM estates in the real GetAccountAuthorizationDetails format, for the privilege-escalation tests.

Documents are URL-encoded JSON as the API returns them; managed policies appear in ``Policies`` with their
version list; users, roles and groups carry the same keys the API does (roles their ``InstanceProfileList``). A user
given a ``password`` or ``keys`` puts the account's credential report (CSV, as IAM serves it) into the snapshot.
``facts()`` runs the real inventory and the policy facts over the snapshot, exactly as the pipeline does, with the
resource inventory and organization a collector would add.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from fixtures.inventory.snapshot_builder import ACCOUNT, TAKEN_AT, arn, inventory_of

from assurance_jobs.scan.credential_report import CREDENTIAL_REPORT_COLUMNS
from assurance_jobs.scan.policy_join import inventory_with_policy_facts
from assurance_jobs.scan.privesc_inputs import ResourceInventory
from assurance_jobs.scan.privesc_org import Organization
from assurance_jobs.snapshot.model import IAM_AUTHORIZATION_DETAILS, IAM_CREDENTIAL_REPORT, SourceBlob

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
    credentials: dict[str, tuple[bool, int]] = field(default_factory=dict)  # user ARN -> (password, key count)

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
        password: bool | None = None,
        keys: int = 0,
    ) -> str:
        user_arn = arn("user", name, self.account_id)
        if password is not None or keys:
            self.credentials[user_arn] = (bool(password), keys)
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
        instance_profile: bool = False,
    ) -> str:
        role_arn = arn("role", name, self.account_id)
        profile_arn = f"arn:aws:iam::{self.account_id}:instance-profile/{name}"
        profiles = [{"InstanceProfileName": name, "Arn": profile_arn, "Roles": []}] if instance_profile else []
        entry = {
            "RoleName": name,
            "Path": "/",
            "RoleId": f"AROA{name.upper()}",
            "Arn": role_arn,
            "CreateDate": "2026-01-01T00:00:00+00:00",
            "AssumeRolePolicyDocument": _encoded(trust_policy),
            "Tags": [],
            "RoleLastUsed": {},
            "InstanceProfileList": profiles,
            **self._holder(name, list(inline), list(managed), "RolePolicyList"),
        }
        if boundary:
            entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
        self.roles.append(entry)
        return role_arn

    def blobs(self) -> list[SourceBlob]:
        page = {
            "UserDetailList": self.users,
            "RoleDetailList": self.roles,
            "GroupDetailList": self.groups,
            "Policies": self.policies,
            "IsTruncated": False,
        }
        content = json.dumps({"pages": [page]}).encode()
        details = SourceBlob(
            account_id=self.account_id, source=IAM_AUTHORIZATION_DETAILS, content=content, region=None, extension="json"
        )
        return [details, self._credential_report()] if self.credentials else [details]

    def _credential_report(self) -> SourceBlob:
        """Every user's password and keys as the credential report states them (keys: the first `n` slots)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CREDENTIAL_REPORT_COLUMNS, restval="N/A")
        writer.writeheader()
        for user in self.users:
            password, keys = self.credentials.get(user["Arn"], (False, 0))
            row = {"user": user["UserName"], "arn": user["Arn"], "user_creation_time": user["CreateDate"]}
            row |= {"password_enabled": str(password).lower(), "mfa_active": "false"}
            for number in (1, 2):
                row[f"access_key_{number}_active"] = str(keys >= number).lower()
                row[f"access_key_{number}_last_rotated"] = "2026-10-01T00:00:00+00:00" if keys >= number else "N/A"
            writer.writerow(row)
        return SourceBlob(self.account_id, IAM_CREDENTIAL_REPORT, buffer.getvalue().encode(), None, "csv")


def facts(
    *estates: Estate, resources: ResourceInventory | None = None, organization: Organization | None = None
) -> pd.DataFrame:
    """Identity facts (indexed by ARN) of a snapshot holding these accounts, as the pipeline computes them."""
    inventory = inventory_of([b for e in estates for b in e.blobs()])
    enriched = inventory_with_policy_facts(inventory, [], TAKEN_AT, resources=resources, organization=organization)
    return enriched.identities.set_index("arn")
