"""Discovered AI agents held to their approved tool scopes, merged with the hand-written registry (pure, no I/O).

Decisions (docs/agents.md):
* **Approval comes from the baseline.** An agent's approved tools are those of every `agents:` entry that selects it
  (by its registry id, name or ARN as the key, or by the entry's own `arn` / `name` / `tag`). A tool is approved
  when a pattern matches it or one of its parents (`gateway/orders/lookup` approves `gateway/orders/lookup/find`).
  An agent no entry selects has no approved tool; without a baseline nothing is judged (NA, INCOMPLETE).
* **Facts come from the platform.** A registry entry whose `platform_arn` (or id) names a discovered agent is merged
  into it: the platform's role, tools and owner tag win; the registry adds its id, and its owner only where the
  platform names none. Where the two disagree (the role the agent runs as, its owner) the row says so in
  `registry_conflicts` and the day's warnings list it. An entry naming an agent the platform did not list stays a
  `registered_agent` row, with that conflict noted. Registry entries for agents outside AWS stay as they were
  (judged by NHI-BL-004).
* **Escalation comes from the graph.** An agent's `privesc_escalates` / `privesc_path` are the verdicts the
  principal graph gave its node (`linked_reach`, through its "runs as" link); `effective_admin` is its role's.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import pandas as pd

from assurance_jobs.baseline.model import Baseline
from assurance_jobs.baseline.registry import RegistryAgent, RegistrySource
from assurance_jobs.scan import actions
from assurance_jobs.scan.agents import AI_AGENT, REGISTERED_AGENT, display, frame_of
from assurance_jobs.scan.inventory import Inventory
from assurance_jobs.scan.ownership import DirectoryFeed, owner_status
from assurance_jobs.schema import AGENT_COLUMNS, AGENT_TOOL_COLUMNS, is_missing

RUNTIME_COLUMNS = ("rt_calls_outside_scope", "rt_calls_outside_scope_count", "rt_source_file", "rt_source_sha256")


def tool_parents(tool: str) -> list[str]:
    """'gateway/g/t/x' -> ['gateway/g/t/x', 'gateway/g/t', 'gateway/g']: what an approval may name."""
    parts = tool.split("/")
    return ["/".join(parts[:end]) for end in range(len(parts), 1, -1)]


def tool_approved(tool: str, approved: Iterable[str]) -> bool:
    patterns = list(approved)
    return any(fnmatch.fnmatchcase(name, pattern) for name in tool_parents(tool) for pattern in patterns)


def _role_name(arn: str | None) -> str:
    """The role an ARN names (a role ARN or an STS assumed-role session), for comparing registry and platform."""
    if not arn:
        return ""
    tail = arn.split(":", 5)[-1]
    if tail.startswith("assumed-role/"):
        return tail.split("/")[1]
    return tail.rsplit("/", 1)[-1]


def _value(value: Any) -> Any:
    return None if is_missing(value) else value


# ------------------------------------------------------------------------------------------ registry merge


def _merge_registry(
    discovered: list[dict[str, Any]], registered: list[dict[str, Any]], entries: Mapping[str, RegistryAgent]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Registry entries naming a discovered agent merge into it; the rest stay registry rows. Returns the discovered
    rows, the remaining registry rows and one warning per conflict."""
    by_arn = {row["agent_id"]: row for row in discovered if row["kind"] == AI_AGENT}
    remaining, warnings = [], []
    for row in registered:
        entry = entries.get(row["agent_id"])
        target = entry.platform_arn or entry.id if entry is not None else None
        agent = by_arn.get(target) if target else None
        if agent is None:
            if entry is not None and entry.platform_arn:
                row["registry_conflicts"] = f"platform agent {entry.platform_arn} was not discovered"
                warnings.append(f"agent registry '{entry.id}': {row['registry_conflicts']}")
            remaining.append(row)
            continue
        conflicts = []
        role = _value(agent["arn"])
        if _role_name(entry.runtime_identity_arn) != _role_name(role):
            conflicts.append(
                f"runtime identity: registry {entry.runtime_identity_arn}, platform {role} (platform used)"
            )
        owner = _value(agent.get("owner"))
        if entry.owner and owner and entry.owner.strip().casefold() != str(owner).casefold():
            conflicts.append(f"owner: registry {entry.owner}, platform tag {owner} (platform used)")
        agent["registry_id"] = entry.id
        agent["owner"] = owner or entry.owner
        agent["registry_conflicts"] = "; ".join(conflicts) or None
        warnings += [f"agent registry '{entry.id}' and {agent['agent_id']} disagree on {c}" for c in conflicts]
    return discovered, remaining, warnings


# ------------------------------------------------------------------------------------------ approvals


def _approvals(row: Mapping[str, Any], baseline: Baseline) -> list[str] | None:
    tags = json.loads(row["tags"]) if isinstance(_value(row.get("tags")), str) else {}
    return baseline.agent_approvals(
        [row["agent_id"], _value(row.get("name")), _value(row.get("registry_id"))],
        arn=row["agent_id"],
        name=_value(row.get("name")),
        tags=tags,
    )


def _judged_tools(
    agents: list[dict[str, Any]], tools: pd.DataFrame, baseline: Baseline | None
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Each ai_agent's approved and unapproved tools; the tools table with `approved` per row (NA: no baseline)."""
    tool_rows = tools.to_dict("records")
    by_agent: dict[str, list[dict[str, Any]]] = {}
    for tool in tool_rows:
        by_agent.setdefault(tool["agent_id"], []).append(tool)
    for row in agents:
        if row["kind"] != AI_AGENT:
            continue
        approved = _approvals(row, baseline) if baseline is not None else None
        mine = by_agent.get(row["agent_id"], [])
        for tool in mine:
            tool["approved"] = None if baseline is None else tool_approved(tool["tool"], approved or [])
        row["in_baseline"] = approved is not None
        row["approved_tools"] = display(approved or [])
        if baseline is None:
            row["unapproved_tools"], row["unapproved_tool_count"] = None, None
            continue
        extra = {tool["tool"] for tool in mine if not tool["approved"]}
        row["unapproved_tools"], row["unapproved_tool_count"] = display(extra), len(extra)
    return agents, frame_of(tool_rows, AGENT_TOOL_COLUMNS)


# ------------------------------------------------------------------------------------------ graph verdicts


def _with_reach(agents: list[dict[str, Any]], inventory: Inventory) -> None:
    reach = inventory.linked_reach.set_index("node_id") if len(inventory.linked_reach) else None
    admin = dict(zip(inventory.identities["arn"], inventory.identities.get("effective_admin", []), strict=False))
    for row in agents:
        if row["kind"] != AI_AGENT:
            continue
        role = _value(row.get("arn"))
        row["effective_admin"] = bool(admin[role]) if role in admin and not is_missing(admin[role]) else None
        if reach is not None and row["agent_id"] in reach.index:
            verdict = reach.loc[row["agent_id"]]
            row["privesc_escalates"] = bool(verdict["privesc_escalates"])
            row["privesc_path"] = _value(verdict["privesc_path"]) or ""
        else:  # no path found; a role missing from the inventory reads INCOMPLETE (`role_unknown_count`)
            row["privesc_escalates"], row["privesc_path"] = False, ""


def inventory_with_agent_facts(
    inventory: Inventory,
    discovered: pd.DataFrame,
    tools: pd.DataFrame,
    baseline: Baseline | None,
    registry: RegistrySource | None,
    directory: DirectoryFeed | None,
    taken_at: datetime,
) -> tuple[Inventory, list[str]]:
    """The `agents` table (registry rows + discovered agents and gateways, merged and judged) and `agent_tools`
    (with `approved`); warnings name every registry conflict. Call after the policy facts (the graph's verdicts)
    and the baseline facts (the registry rows)."""
    registered = [{**row} for row in inventory.agents.to_dict("records")] if len(inventory.agents.columns) else []
    entries = {agent.id: agent for agent in registry.agents} if registry is not None else {}
    found = [{**row} for row in discovered.to_dict("records")]
    found, registered, warnings = _merge_registry(found, registered, entries)
    for row in found:
        if row["kind"] == AI_AGENT:
            row["owner_status"] = owner_status(_value(row.get("owner")), directory, taken_at)
    found, judged = _judged_tools(found, tools, baseline)
    _with_reach(found, inventory)
    for row in registered:
        row.setdefault("kind", REGISTERED_AGENT)
    rows = [{k: _value(v) for k, v in row.items()} for row in (*registered, *found)]
    agents = frame_of(rows, AGENT_COLUMNS).sort_values(["account_id", "kind", "agent_id"], ignore_index=True)
    return replace(inventory, agents=agents, agent_tools=judged), warnings


def discovered_scope_masks(agents: pd.DataFrame) -> dict[str, int]:
    """Role ARN -> the IAM actions the discovered tool scopes of the agents and gateways running as it imply (the
    runtime step unites them with the baseline's approvals: calls outside them are NHI-RT-003 / NHI-AG-007's)."""
    masks: dict[str, int] = {}
    if not len(agents) or "tool_actions" not in agents.columns:
        return masks
    for role, listed in zip(agents["arn"], agents["tool_actions"], strict=True):
        if is_missing(role) or is_missing(listed) or not listed:
            continue
        mask = 0
        for action in str(listed).split(","):
            mask |= actions.expand_mask(action)
        masks[str(role)] = masks.get(str(role), 0) | mask
    return masks


def with_agent_runtime_facts(inventory: Inventory) -> Inventory:
    """Each AI agent's runtime facts are its role's (calls outside the scope its tools imply, and their evidence
    file): CloudTrail names the role session, not the agent, so agents sharing a role share its calls."""
    agents = inventory.agents
    if not len(agents) or "rt_calls_outside_scope_count" not in inventory.identities.columns:
        return inventory
    facts = inventory.identities.set_index("arn")[list(RUNTIME_COLUMNS)]
    facts = facts[~facts.index.duplicated()]
    agents = agents.copy()
    is_agent = agents["kind"] == AI_AGENT
    for column in RUNTIME_COLUMNS:
        mapped = agents["arn"].map(facts[column])
        agents[column] = mapped.where(is_agent).astype(AGENT_COLUMNS[column])
    return replace(inventory, agents=agents)
