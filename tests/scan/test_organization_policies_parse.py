"""The organization's SCPs and RCPs read back from the snapshot: each account placed under its OUs from the
discovery's file, each policy with its content and targets, and every gap turned into exactly the accounts it leaves
unknown (`Organization.unreadable_accounts`, whose least-privilege verdicts read INCOMPLETE)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from assurance_jobs.config import HumanMarker
from assurance_jobs.scan.privesc_org import Organization, account_guardrails
from assurance_jobs.scan.sources import organizations_policies
from assurance_jobs.scan.sources.common import Context
from assurance_jobs.snapshot.model import CollectionStatus, Manifest, ManifestFile, Snapshot

TAKEN_AT = datetime(2026, 12, 6, 6, tzinfo=UTC)
MANAGEMENT, PROD, DEV = "999999999999", "111111111111", "222222222222"
ROOT, OU_PROD, OU_EU = "r-ab12", "ou-ab12-prod0001", "ou-ab12-eu000001"
DENY_PASSROLE = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}]}
)
FULL_ACCESS = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def _tree() -> list[dict[str, Any]]:
    """Root → prod → eu (PROD sits in eu), root → DEV and the management account, as discovery pages them."""

    def accounts(parent: str, *ids: str) -> dict[str, Any]:
        page = {"Accounts": [{"Id": i, "Name": i, "Status": "ACTIVE"} for i in ids]}
        return {"operation": "ListAccountsForParent", "parent": parent, "page": page}

    def units(parent: str, *pairs: tuple[str, str]) -> dict[str, Any]:
        page = {"OrganizationalUnits": [{"Id": i, "Name": n} for i, n in pairs]}
        return {"operation": "ListOrganizationalUnitsForParent", "parent": parent, "page": page}

    return [
        {"operation": "ListRoots", "page": {"Roots": [{"Id": ROOT, "Name": "Root"}]}},
        accounts(ROOT, MANAGEMENT, DEV),
        units(ROOT, (OU_PROD, "prod")),
        accounts(OU_PROD),
        units(OU_PROD, (OU_EU, "eu")),
        accounts(OU_EU, PROD),
        units(OU_EU),
    ]


def _discovery(extra_accounts: tuple[str, ...] = ()) -> dict[str, Any]:
    listed = [{"Id": i, "Name": i, "Status": "ACTIVE"} for i in (MANAGEMENT, PROD, DEV, *extra_accounts)]
    return {"pages": [{"Accounts": listed}], "tree": _tree(), "tags": {}}


def _policy(policy_id: str, name: str, content: str | None, *targets: str, **extra: Any) -> dict[str, Any]:
    policy: dict[str, Any] = {"Id": policy_id, "Name": name, "Type": "SERVICE_CONTROL_POLICY", **extra}
    if content is not None:
        policy["Content"] = content
    if "TargetsError" not in extra:
        policy["Targets"] = [{"TargetId": t, "Name": t, "Type": "ORGANIZATIONAL_UNIT"} for t in targets]
    return policy


def _evidence(
    *policies: dict[str, Any],
    listed: tuple[str, ...] = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"),
    management: str | None = MANAGEMENT,
) -> dict[str, Any]:
    organization = {"Id": "o-abc1234567", "MasterAccountId": management} if management else None
    return {"organization": organization, "listed": list(listed), "pages": [{"Policies": list(policies)}]}


def _snapshot(evidence: dict[str, Any] | None, status: str = "ok", discovery: dict[str, Any] | None = None) -> Snapshot:
    files: dict[str, bytes] = {
        f"{MANAGEMENT}/organizations_discovery.json": json.dumps(discovery or _discovery()).encode()
    }
    if evidence is not None:
        files[f"{MANAGEMENT}/organizations_policies.json"] = json.dumps(evidence).encode()
    entries = [
        ManifestFile(path, MANAGEMENT, path.split("/")[1].split(".")[0], None, hashlib.sha256(b).hexdigest(), len(b))
        for path, b in files.items()
    ]
    statuses = [
        CollectionStatus(account, "organizations_policies", "organizations:ListPolicies", None, status)  # type: ignore[arg-type]
        for account in (PROD, DEV)
    ]
    manifest = Manifest("snap", TAKEN_AT.date(), TAKEN_AT, "test", 0.0, [PROD, DEV], entries, statuses)
    return Snapshot(manifest, "memory", files)


def _parsed(snapshot: Snapshot, account_id: str = MANAGEMENT) -> Organization | None:
    return organizations_policies.parse(snapshot, account_id, Context(TAKEN_AT, [], HumanMarker(), None))


def _organization(snapshot: Snapshot) -> Organization:
    found = _parsed(snapshot)
    assert found is not None
    return found


BASELINE = _policy("p-FullAWSAccess", "FullAWSAccess", FULL_ACCESS, ROOT, OU_PROD, OU_EU, PROD, DEV)


def test_each_account_sits_under_its_ous_root_first():
    org = _organization(_snapshot(_evidence(BASELINE)))
    assert org.ancestors == {MANAGEMENT: (ROOT,), DEV: (ROOT,), PROD: (ROOT, OU_PROD, OU_EU)}
    assert (org.management_account_id, org.unreadable_accounts) == (MANAGEMENT, frozenset())


def test_an_scp_at_an_ou_governs_the_accounts_below_it_with_its_content_and_targets():
    deny = _policy("p-deny", "deny-passrole", DENY_PASSROLE, OU_PROD)
    org = _organization(_snapshot(_evidence(BASELINE, deny)))
    guard = account_guardrails(org, PROD)
    assert [level.target_id for level in guard.scp] == [ROOT, OU_PROD, OU_EU, PROD]
    assert [p.name for p in guard.scp[1].policies] == ["FullAWSAccess", "deny-passrole"]
    assert [level.target_id for level in account_guardrails(org, DEV).scp] == [ROOT, DEV]


def test_a_policy_whose_content_is_unknown_leaves_only_the_accounts_below_its_targets_unknown():
    denied = _policy("p-deny", "deny-passrole", None, OU_PROD, ContentError="AccessDeniedException")
    org = _organization(_snapshot(_evidence(BASELINE, denied), status="partial"))
    assert (account_guardrails(org, PROD).unreadable, account_guardrails(org, DEV).unreadable) == (True, False)


def test_a_policy_whose_targets_are_unknown_leaves_every_member_unknown():
    lost = _policy("p-deny", "deny-passrole", DENY_PASSROLE, TargetsError="TooManyRequestsException")
    org = _organization(_snapshot(_evidence(BASELINE, lost), status="partial"))
    assert org.unreadable_accounts == {MANAGEMENT, PROD, DEV}
    assert not account_guardrails(org, MANAGEMENT).unreadable  # no SCP binds the management account


def test_a_policy_type_whose_listing_did_not_finish_leaves_every_member_unknown():
    org = _organization(_snapshot(_evidence(BASELINE, listed=("SERVICE_CONTROL_POLICY",)), status="partial"))
    assert org.unreadable_accounts == {MANAGEMENT, PROD, DEV}


def test_a_collection_that_failed_before_writing_anything_leaves_every_member_unknown():
    org = _organization(_snapshot(None, status="error"))
    assert (org.policies, org.unreadable_accounts) == ((), {MANAGEMENT, PROD, DEV})
    assert account_guardrails(org, PROD).unreadable


def test_an_unknown_management_account_binds_every_account_including_it_as_unknown():
    org = _organization(_snapshot(_evidence(BASELINE, management=None), status="partial"))
    assert account_guardrails(org, MANAGEMENT).unreadable


def test_an_account_listed_but_not_placed_in_the_tree_is_unknown_alone():
    org = _organization(_snapshot(_evidence(BASELINE), discovery=_discovery(("333333333333",))))
    assert org.unreadable_accounts == {"333333333333"}


def test_without_the_discovery_or_any_trace_of_the_source_there_is_no_organization():
    assert _parsed(_snapshot(_evidence(BASELINE)), PROD) is None  # the file lives under the discovery's account
    snapshot = _snapshot(None)
    bare = Snapshot(
        Manifest("snap", TAKEN_AT.date(), TAKEN_AT, "test", 0.0, [PROD], snapshot.manifest.files, []),
        "memory",
        snapshot.contents,
    )
    assert _parsed(bare) is None  # taken before this source existed: facts as without an organization
