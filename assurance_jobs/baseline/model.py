"""The approved baseline: reviewed YAML files that write down the operating model every identity must stay inside.

WHY pydantic with ``extra="forbid"``: a baseline is a security control edited by people in code review. A typo
such as ``aproved_actions`` must stop the run with a message naming the file, the entry and the field, never be
silently ignored (an ignored allow-list would turn every permission into a finding, or worse, none).

Semantics (documented here because reviewers read this file):

* An identity entry selects identities by ``arn`` (an fnmatch glob, case-sensitive) and/or ``tag`` (key equals,
  value glob); with both, an identity must match both. Several entries may select one identity: their approvals
  are united (a broad entry for a path plus a specific one for a role).
* An approval list that is omitted (``None``) means "not governed by this entry"; an empty list means "nothing
  approved". ``approved_actions`` patterns must match at least one action of the policy engine's catalogue, so
  a typo fails review instead of approving nothing.
* ``jit_grants`` approve an elevated policy for one identity inside a time window (timezone required).
* ``agents`` maps an AI agent to the tools (or registry scopes) it is approved to reach, fnmatch globs allowed.
  The key names the agent — its registry id, its name or its ARN — and the value is the approved list; or the value
  is a mapping ``{approved_tools: [...]}`` that may also select agents itself by ``arn`` / ``name`` (globs) and/or
  ``tag``, the key then being a label. Tools are named as docs/agents.md says (``gateway/<gateway>/<target>/<tool>``,
  ``action-group/<group>/<operation>``); a pattern that matches a tool's target or group approves its tools.
* ``approved_networks``, ``approved_actions`` and ``approved_regions`` are the runtime baseline: an identity
  governed by one is judged against it (NHI-RT-001/003/008) before its learned behaviour.
* ``secret_key_tags`` classifies KMS keys, estate-wide: a key with a matching tag (key equals, value glob) is
  secret-bearing, so a ``kms:Decrypt`` on it from outside the caller's ``approved_networks`` fails NHI-RT-001.
  It lives here, beside ``approved_networks``, because it is the same kind of reviewed decision.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assurance_jobs.scan import actions
from assurance_jobs.scan.runtime_calls import AWS_SERVICE_NETWORK
from assurance_jobs.yaml_files import field_path, problem_message, read_yaml_file

MAX_REPORTED_ERRORS = 10
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")  # as config.py checks regions


class BaselineError(Exception):
    """A baseline file problem, phrased for the reviewer who edits the file."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TagSelector(_Strict):
    key: str = Field(min_length=1)
    value: str = Field(min_length=1, description="fnmatch glob on the tag value.")


class IdentityEntry(_Strict):
    """Approvals for the identities an ARN glob and/or a tag select."""

    name: str | None = Field(default=None, description="Label shown in errors and reports.")
    arn: str | None = Field(default=None, description="fnmatch glob on the identity ARN.")
    tag: TagSelector | None = None
    approved_managed_policies: list[str] | None = Field(default=None, description="Policy ARNs or ARN globs.")
    approved_actions: list[str] | None = Field(default=None, description="IAM action patterns, wildcards allowed.")
    approved_trust_principals: list[str] | None = Field(
        default=None, description="ARNs (globs), account ids, service principals or OIDC providers (ARN or host)."
    )
    approved_owner: str | None = None
    approved_networks: list[str] | None = Field(
        default=None,
        description="Where the identity may call secrets stores from: CIDRs, VPC endpoint ids (vpce-…, globs) "
        "and/or 'aws-service' (calls AWS services make on its behalf).",
    )

    approved_regions: list[str] | None = Field(
        default=None,
        description="Regions the identity may act in (NHI-RT-008 judges against them instead of its learned regions).",
    )

    @field_validator("approved_regions")
    @classmethod
    def _regions(cls, regions: list[str] | None) -> list[str] | None:
        bad = [region for region in regions or [] if not _REGION.match(region)]
        if bad:
            raise ValueError(f"not an AWS region name (e.g. eu-west-1): {', '.join(bad)}")
        return regions

    @field_validator("approved_networks")
    @classmethod
    def _networks(cls, networks: list[str] | None) -> list[str] | None:
        bad = [n for n in networks or [] if not _is_network(n)]
        if bad:
            raise ValueError(f"not a CIDR, a vpce- endpoint id or 'aws-service': {', '.join(bad)}")
        return networks

    @model_validator(mode="after")
    def _selects_something(self) -> IdentityEntry:
        if self.arn is None and self.tag is None:
            raise ValueError("an entry needs 'arn' (glob) and/or 'tag' to select identities")
        return self

    @field_validator("arn")
    @classmethod
    def _arn_glob(cls, arn: str | None) -> str | None:
        if arn is not None and not arn.startswith(("arn:", "*")):
            raise ValueError("must be an identity ARN or ARN glob, e.g. arn:aws:iam::123456789012:role/ci-*")
        return arn

    @field_validator("approved_managed_policies")
    @classmethod
    def _policy_arns(cls, arns: list[str] | None) -> list[str] | None:
        bad = [arn for arn in arns or [] if not arn.startswith(("arn:", "*"))]
        if bad:
            raise ValueError(f"not a policy ARN or ARN glob: {', '.join(bad)}")
        return arns

    @field_validator("approved_actions")
    @classmethod
    def _known_actions(cls, patterns: list[str] | None) -> list[str] | None:
        unknown = [p for p in patterns or [] if actions.expand_mask(p) == 0]
        if unknown:
            raise ValueError(f"matches no IAM action in the catalogue: {', '.join(unknown)}")
        return patterns

    def selects(self, arn: str, tags: Mapping[str, str]) -> bool:
        if self.arn is not None and not fnmatch.fnmatchcase(arn, self.arn):
            return False
        if self.tag is not None:
            value = tags.get(self.tag.key)
            return value is not None and fnmatch.fnmatchcase(value, self.tag.value)
        return True


def _is_network(value: str) -> bool:
    if value == AWS_SERVICE_NETWORK or value.startswith("vpce-"):
        return True
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


class JitGrant(_Strict):
    """A just-in-time elevation: ``elevated_policy`` is approved for ``identity_arn`` only inside the window."""

    identity_arn: str = Field(pattern=r"^arn:")
    elevated_policy: str = Field(min_length=1, description="Managed policy ARN, or a policy name (inline too).")
    window_start: AwareDatetime
    window_end: AwareDatetime
    reason: str | None = None

    @model_validator(mode="after")
    def _window_is_ordered(self) -> JitGrant:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        return self

    def active_at(self, moment: datetime) -> bool:
        return self.window_start <= moment <= self.window_end

    def names(self, policy_arn: str | None, policy_name: str | None) -> bool:
        """Does an attached policy (by ARN or name) match the elevated policy of this grant?"""
        return self.elevated_policy in (policy_arn, policy_name)


class ServiceAccountEntry(_Strict):
    """The approved operating model of the Kubernetes service accounts a cluster and `<namespace>/<name>` glob
    select: the bindings they may have and the AWS roles (IRSA or Pod Identity) they may become.

    A binding is approved when its label — `RoleBinding/<ns>/<name> → ClusterRole/<role>` or
    `ClusterRoleBinding/<name> → ClusterRole/<role>`, as reports print it — matches one of `approved_bindings`
    (fnmatch globs, e.g. `RoleBinding/ci/* → ClusterRole/edit`)."""

    name: str | None = Field(default=None, description="Label shown in errors and reports.")
    cluster: str = Field(default="*", description="fnmatch glob on the cluster's configured name.")
    service_account: str = Field(min_length=3, description="fnmatch glob on `<namespace>/<name>`.")
    approved_bindings: list[str] | None = Field(default=None, description="Globs on binding labels.")
    approved_aws_roles: list[str] | None = Field(default=None, description="IAM role ARNs or ARN globs.")

    @field_validator("service_account")
    @classmethod
    def _namespace_and_name(cls, value: str) -> str:
        if "/" not in value:
            raise ValueError("must be <namespace>/<name> (globs allowed), e.g. ci/deployer or ci/*")
        return value

    def selects(self, cluster: str, namespace: str, name: str) -> bool:
        return fnmatch.fnmatchcase(cluster, self.cluster) and fnmatch.fnmatchcase(
            f"{namespace}/{name}", self.service_account
        )


class AgentEntry(_Strict):
    """Approved tools for the AI agents an entry selects (by ARN glob, name glob and/or tag; all that are given)."""

    arn: str | None = Field(default=None, description="fnmatch glob on the agent's ARN.")
    name: str | None = Field(default=None, description="fnmatch glob on the agent's name.")
    tag: TagSelector | None = None
    approved_tools: list[str] = Field(default_factory=list, description="Tool (or registry scope) globs.")

    @property
    def has_selector(self) -> bool:
        return self.arn is not None or self.name is not None or self.tag is not None

    def selects(self, arn: str | None, name: str | None, tags: Mapping[str, str]) -> bool:
        if self.arn is not None and not (arn and fnmatch.fnmatchcase(arn, self.arn)):
            return False
        if self.name is not None and not (name and fnmatch.fnmatchcase(name, self.name)):
            return False
        if self.tag is not None:
            value = tags.get(self.tag.key)
            return value is not None and fnmatch.fnmatchcase(value, self.tag.value)
        return True


class Baseline(_Strict):
    identities: list[IdentityEntry] = Field(default_factory=list)
    service_accounts: list[ServiceAccountEntry] = Field(
        default_factory=list, description="Kubernetes service accounts: approved bindings and AWS roles."
    )
    jit_grants: list[JitGrant] = Field(default_factory=list)
    agents: dict[str, list[str]] = Field(
        default_factory=dict, description="agent (registry id, name or ARN) -> approved tools or scopes."
    )
    agent_entries: dict[str, AgentEntry] = Field(
        default_factory=dict,
        description="The `agents:` entries that select agents themselves (arn / name / tag); filled from `agents:`.",
    )
    secret_key_tags: list[TagSelector] = Field(
        default_factory=list,
        description="KMS key tags (key equals, value glob) that make a key secret-bearing: a kms:Decrypt on such "
        "a key is a secrets-store read for NHI-RT-001. None listed: no Decrypt counts.",
    )

    @model_validator(mode="before")
    @classmethod
    def _agent_forms(cls, data: Any) -> Any:
        """`agents:` values are lists (the first form, kept in `agents`) or mappings (kept in `agent_entries`)."""
        if not isinstance(data, dict) or not isinstance(data.get("agents"), dict):
            return data
        mappings = {key: value for key, value in data["agents"].items() if isinstance(value, dict)}
        lists = {key: value for key, value in data["agents"].items() if key not in mappings}
        return {**data, "agents": lists, "agent_entries": {**(data.get("agent_entries") or {}), **mappings}}

    def agent_approvals(
        self,
        keys: Iterable[str | None],
        arn: str | None = None,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> list[str] | None:
        """The approved tools of every entry that selects an agent (united), or None when none does. `keys` are what
        the agent is called by (registry id, name, ARN): an entry without selectors selects the agent its key names."""
        names = {key for key in keys if key}
        lists = [tools for key, tools in self.agents.items() if key in names]
        for key, entry in self.agent_entries.items():
            if (key in names) if not entry.has_selector else entry.selects(arn, name, tags or {}):
                lists.append(entry.approved_tools)
        return None if not lists else [tool for tools in lists for tool in tools]

    @property
    def secret_key_selectors(self) -> list[tuple[str, str]]:
        return [(selector.key, selector.value) for selector in self.secret_key_tags]

    def entries_for(self, arn: str, tags: Mapping[str, str]) -> list[IdentityEntry]:
        return [entry for entry in self.identities if entry.selects(arn, tags)]

    def grants_for(self, arn: str) -> list[JitGrant]:
        return [grant for grant in self.jit_grants if grant.identity_arn == arn]


EMPTY_BASELINE = Baseline()


def _entry_label(data: Any, loc: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """('identities', 2, 'arn') -> ("identities[2] 'ci-deployers'", ('arn',)) using the raw entry for its name."""
    if len(loc) >= 2 and loc[0] in ("identities", "jit_grants", "service_accounts") and isinstance(loc[1], int):
        raw = data.get(loc[0]) if isinstance(data, dict) else None
        item = raw[loc[1]] if isinstance(raw, list) and loc[1] < len(raw) else None
        hint = item.get("name") or item.get("identity_arn") or item.get("arn") if isinstance(item, dict) else None
        return f"{loc[0]}[{loc[1]}]" + (f" '{hint}'" if hint else ""), loc[2:]
    if len(loc) >= 2 and loc[0] in ("agents", "agent_entries"):
        return f"agents['{loc[1]}']", loc[2:]
    return "(top level)", loc


def _describe(error: ValidationError, data: Any, source: str) -> str:
    lines = []
    for problem in error.errors()[:MAX_REPORTED_ERRORS]:
        entry, rest = _entry_label(data, tuple(problem["loc"]))
        lines.append(f"{source}: {entry}: field '{field_path(rest, '(entry)')}': {problem_message(problem)}")
    more = len(error.errors()) - MAX_REPORTED_ERRORS
    return "\n".join(lines + ([f"{source}: ... and {more} more problems"] if more > 0 else []))


def parse_baseline(data: object, source: str = "baseline") -> Baseline:
    """Validate already-parsed YAML; raise BaselineError naming file, entry and field of every problem."""
    if data is None:
        return EMPTY_BASELINE
    if not isinstance(data, dict):
        raise BaselineError(f"{source}: expected a mapping with identities / jit_grants / agents at the top level")
    try:
        return Baseline.model_validate(data)
    except ValidationError as error:
        raise BaselineError(_describe(error, data, source)) from None


def merge_baselines(parts: Iterable[tuple[str, Baseline]]) -> Baseline:
    """One baseline from several reviewed files; an agent approved in two files is ambiguous and rejected."""
    identities: list[IdentityEntry] = []
    accounts: list[ServiceAccountEntry] = []
    grants: list[JitGrant] = []
    key_tags: list[TagSelector] = []
    agents: dict[str, list[str]] = {}
    entries: dict[str, AgentEntry] = {}
    seen: dict[str, str] = {}
    for source, part in parts:
        identities += part.identities
        accounts += part.service_accounts
        grants += part.jit_grants
        key_tags += [selector for selector in part.secret_key_tags if selector not in key_tags]
        for agent_id, scopes in [*part.agents.items(), *part.agent_entries.items()]:
            if agent_id in seen:
                raise BaselineError(f"{source}: agents['{agent_id}']: already approved in {seen[agent_id]}")
            seen[agent_id] = source
            if isinstance(scopes, AgentEntry):
                entries[agent_id] = scopes
            else:
                agents[agent_id] = scopes
    return Baseline(
        identities=identities,
        service_accounts=accounts,
        jit_grants=grants,
        agents=agents,
        agent_entries=entries,
        secret_key_tags=key_tags,
    )


def _read(path: Path) -> Baseline:
    return parse_baseline(read_yaml_file(path, "baseline file", BaselineError), str(path))


def load_baseline(*paths: str | Path) -> Baseline:
    """Read and merge the given baseline files (no paths: the empty baseline)."""
    return merge_baselines((str(p), _read(Path(p))) for p in paths)


def baseline_files(folder: str | Path) -> list[Path]:
    """The baseline files of a folder: ``*.yaml`` / ``*.yml`` sorted, skipping ``*.example.*`` samples."""
    root = Path(folder)
    found = [*root.glob("*.yaml"), *root.glob("*.yml")]
    return sorted(p for p in found if ".example." not in p.name)


def load_baseline_dir(folder: str | Path) -> Baseline:
    return load_baseline(*baseline_files(folder))
