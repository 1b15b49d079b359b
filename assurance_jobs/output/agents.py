"""The "AI agents" page and one page per discovered agent and gateway: what it is, what it runs as, which tools it
can reach (approved or not), which credentials those tools use, who owns it, what the rules found — and its tool
graph drawn as inline SVG (agent → gateway or action group → target → credential; agent → role → escalation path).

Computed here, rendered by `agents.html.j2` / `agent.html.j2`; every value is plain text the templates escape (the
SVG's labels included), and nothing is loaded from anywhere: the graph is drawn from the day's `agents` and
`agent_tools` tables alone. Layout is a fixed column grid, so the same tables give byte-identical pages.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from assurance_jobs.output import views as vw
from assurance_jobs.output.bundle import ReportBundle

INDEX = "agents.html"
PLATFORMS = {"bedrock-agents": "Amazon Bedrock Agents", "agentcore": "Bedrock AgentCore", "registry": "agent registry"}
RUNTIMES = {
    ("bedrock-agents", "ai_agent"): "Bedrock agent",
    ("agentcore", "ai_agent"): "AgentCore runtime",
    ("agentcore", "agent_gateway"): "AgentCore gateway",
    ("registry", "registered_agent"): "registry entry (outside AWS or not discovered)",
}
RUNTIME_SLUG = {
    ("bedrock-agents", "ai_agent"): "agent",
    ("agentcore", "ai_agent"): "runtime",
    ("agentcore", "agent_gateway"): "gateway",
}
INBOUND = {
    "iam": "IAM (SigV4: callers need bedrock-agentcore:InvokeGateway)",
    "jwt_restricted": "JWT, limited to named audiences, clients, scopes or claims",
    "jwt_any_audience": "JWT accepting any audience of its issuer",
    "jwt_any_issuer": "JWT without a discovery URL (no issuer pinned)",
    "none": "none: anyone may call it",
    "unknown": "unknown (the gateway could not be read)",
}
COLUMN_WIDTH, BOX_WIDTH, ROW_HEIGHT, BOX_HEIGHT, LABEL_CHARS = 230, 200, 46, 32, 30


def page_file(agent: Mapping[str, Any]) -> str:
    """Named by account, region, kind and name (unique per region on each platform): stable across days even when
    the platform's ids are not."""
    kind = RUNTIME_SLUG.get((_text(agent.get("platform")), _text(agent.get("kind"))), "agent")
    name = _text(agent.get("name")) or _text(agent.get("agent_id")).rpartition("/")[2]
    return (
        "agents/"
        + vw.file_name(f"{_text(agent.get('account_id'))}-{_text(agent.get('region'))}-{kind}-{name}")
        + ".html"
    )


def _text(value: Any) -> str:
    return vw.text(value)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


# ------------------------------------------------------------------------------------------------ graph


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    label: str
    title: str
    tone: str  # agent | ok | bad | unknown | key | role | admin | plain

    @property
    def short(self) -> str:
        return _short(self.label)


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    title: str


def _box(column: int, row: int, label: str, title: str, tone: str) -> Box:
    return Box(10 + column * COLUMN_WIDTH, 10 + row * ROW_HEIGHT, label, title or label, tone)


def _edge(a: Box, b: Box, title: str = "") -> Edge:
    return Edge(a.x + BOX_WIDTH, a.y + BOX_HEIGHT // 2, b.x, b.y + BOX_HEIGHT // 2, title)


def _tone(approved: list[Any]) -> str:
    known = [a for a in approved if a is not None and not pd.isna(a)]
    if not known:
        return "unknown"
    return "ok" if all(known) else "bad"


def _hub(tool: Mapping[str, Any]) -> str:
    gateway = _text(tool.get("gateway_name"))
    return f"gateway {gateway}" if gateway else f"action group {_text(tool.get('target_name'))}"


def _target_box(column: int, row: int, name: str, tools: Sequence[Mapping[str, Any]]) -> Box:
    first = tools[0]
    label = f"{name} ({_text(first.get('target_type'))}, {len(tools)} tool{'s' if len(tools) != 1 else ''})"
    return _box(column, row, label, _text(first.get("endpoint")) or label, _tone([t.get("approved") for t in tools]))


def _credential_box(column: int, row: int, tool: Mapping[str, Any]) -> Box:
    provider = _text(tool.get("credential_arn"))
    api_key = "API_KEY" in _text(tool.get("credential_type"))
    label = f"{'API key' if api_key else 'OAuth2'} {provider.rpartition('/')[2]}"
    return _box(column, row, label, provider, "key" if api_key else "plain")


def tool_graph(agent: Mapping[str, Any], tools: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Boxes and edges of agent → gateway / action group → target → credential, one row per target; on a
    gateway's own page its targets hang off the gateway itself."""
    groups: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for tool in tools:
        groups.setdefault(_hub(tool), {}).setdefault(_text(tool.get("target_name")), []).append(tool)
    rows = max(1, sum(len(targets) for targets in groups.values()))
    name = _text(agent.get("name")) or _text(agent.get("agent_id"))
    root = _box(0, (rows - 1) // 2, name, _text(agent.get("agent_id")), "agent")
    own = _text(agent.get("kind")) == "agent_gateway"
    boxes, edges, row = [root], [], 0
    credentials: dict[str, Box] = {}
    for hub, targets in sorted(groups.items()):
        hub_box = root
        if not own:
            hub_box = _box(1, row + (len(targets) - 1) // 2, hub, hub, "plain")
            boxes.append(hub_box)
            edges.append(_edge(root, hub_box, _text(next(iter(targets.values()))[0].get("reachable_via"))))
        for target, of_target in sorted(targets.items()):
            box = _target_box(2 - own, row, target, of_target)
            boxes.append(box)
            edges.append(_edge(hub_box, box))
            provider = _text(of_target[0].get("credential_arn"))
            if provider:
                if provider not in credentials:
                    credentials[provider] = _credential_box(3 - own, row, of_target[0])
                    boxes.append(credentials[provider])
                edges.append(_edge(box, credentials[provider]))
            row += 1
    return {"boxes": boxes, "edges": edges, "width": 20 + 4 * COLUMN_WIDTH, "height": 20 + rows * ROW_HEIGHT}


def escalation_graph(agent: Mapping[str, Any]) -> dict[str, Any]:
    """agent → role → each step of the graph's escalation path (or "no path found") as one chain."""
    path = _text(agent.get("privesc_path"))
    role = _text(agent.get("arn"))
    if path:
        steps = [step.strip() for step in path.split("→")]
    else:
        steps = [_text(agent.get("name")), f"runs as {role.split(':', 5)[-1]}" if role else "no role"]
        steps.append("no escalation path" if role else "role unknown")
    boxes = []
    for index, step in enumerate(steps):
        tone = (
            "agent"
            if index == 0
            else ("admin" if step == "admin" else ("role" if step.startswith("runs as") else "plain"))
        )
        boxes.append(Box(10 + index * COLUMN_WIDTH, 10, step, step, "bad" if step == "admin" else tone))
    edges = [_edge(a, b) for a, b in itertools.pairwise(boxes)]
    return {"boxes": boxes, "edges": edges, "width": 20 + len(boxes) * COLUMN_WIDTH, "height": 20 + ROW_HEIGHT}


# ------------------------------------------------------------------------------------------------ pages


def _approved(value: Any) -> str:
    if value is None or (not isinstance(value, bool) and pd.isna(value)):
        return "not judged (no baseline)"
    return "approved" if bool(value) else "NOT APPROVED"


def _tool_view(tool: Mapping[str, Any]) -> dict[str, str]:
    return {
        "tool": _text(tool.get("tool")),
        "via": _text(tool.get("reachable_via")),
        "type": _text(tool.get("target_type")),
        "endpoint": _text(tool.get("endpoint")),
        "credential": _text(tool.get("credential_arn")),
        "credential_type": _text(tool.get("credential_type")),
        "approved": _approved(tool.get("approved")),
    }


def _facts(agent: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = [
        ("Platform", PLATFORMS.get(_text(agent.get("platform")), _text(agent.get("platform")))),
        ("Runs on", RUNTIMES.get((_text(agent.get("platform")), _text(agent.get("kind"))), _text(agent.get("kind")))),
        ("ARN", _text(agent.get("agent_id"))),
        ("Account / region", f"{_text(agent.get('account_id'))} / {_text(agent.get('region')) or 'global'}"),
        ("Status", _text(agent.get("status"))),
        ("Created", vw.short_time(agent.get("created"))),
        ("Foundation model", _text(agent.get("foundation_model"))),
        ("Guardrail", _text(agent.get("guardrail"))),
        ("Network mode", _text(agent.get("network_mode"))),
        ("Inbound authorizer", INBOUND.get(_text(agent.get("inbound_auth")), _text(agent.get("inbound_auth")))),
        ("Workload identity", _text(agent.get("workload_identity"))),
        ("Aliases / endpoints", _text(agent.get("endpoints"))),
        ("Knowledge bases", _text(agent.get("knowledge_bases"))),
        ("Approved tools (baseline)", _text(agent.get("approved_tools"))),
        ("IAM actions its tools imply", _text(agent.get("tool_actions"))),
        ("Registry entry", _text(agent.get("registry_id"))),
        ("Registry conflicts", _text(agent.get("registry_conflicts"))),
        ("Calls outside its tool scope (CloudTrail)", _text(agent.get("rt_calls_outside_scope"))),
        (
            "Unreadable evidence",
            _text(agent.get("evidence_gap_count")) if _text(agent.get("evidence_gap_count")) not in ("", "0") else "",
        ),
    ]
    return [(label, value) for label, value in pairs if value]


def _findings(findings: pd.DataFrame, agent_id: str) -> list[dict[str, str]]:
    if findings is None or findings.empty or "resource_arn" not in findings.columns:
        return []
    mine = findings[findings["resource_arn"] == agent_id]
    rows = [vw.finding_row(row) for row in mine.to_dict("records")]
    for row, record in zip(rows, mine.to_dict("records"), strict=True):
        row["title"] = _text(record.get("title"))
    return rows


def _credentials(credentials: pd.DataFrame, providers: set[str]) -> list[dict[str, str]]:
    if credentials is None or credentials.empty or not providers:
        return []
    rows = credentials[credentials["credential_id"].isin(providers)]
    return [
        {
            "arn": _text(row.get("credential_id")),
            "kind": {"api_key": "static API key", "oauth2_client": "OAuth2 client"}.get(
                _text(row.get("kind")), _text(row.get("kind"))
            ),
            "used_by": _text(row.get("used_by")),
            "created": vw.short_time(row.get("created")),
            "updated": vw.short_time(row.get("last_rotated")),
        }
        for row in rows.sort_values("credential_id").to_dict("records")
    ]


def agent_view(agent: Mapping[str, Any], tools: Sequence[Mapping[str, Any]], bundle: ReportBundle) -> dict[str, Any]:
    """Everything one agent's row of the index and its own page show."""
    agent_id = _text(agent.get("agent_id"))
    role = _text(agent.get("arn"))
    approved = [t.get("approved") for t in tools]
    judged = [a for a in approved if a is not None and not pd.isna(a)]
    providers = {_text(t.get("credential_arn")) for t in tools if _text(t.get("credential_arn"))}
    escalates = agent.get("privesc_escalates")
    unknown_role = _text(agent.get("role_unknown_count")) not in ("", "0")
    return {
        "id": agent_id,
        "file": page_file(agent),
        "name": _text(agent.get("name")) or agent_id,
        "kind": _text(agent.get("kind")),
        "platform": PLATFORMS.get(_text(agent.get("platform")), _text(agent.get("platform"))),
        "runtime": RUNTIMES.get((_text(agent.get("platform")), _text(agent.get("kind"))), _text(agent.get("kind"))),
        "region": _text(agent.get("region")),
        "account": _text(agent.get("account_id")),
        "role": role,
        "role_href": vw.identity_href(role) if role.startswith("arn:") else "",
        "owner": _text(agent.get("owner")),
        "owner_status": _text(agent.get("owner_status")),
        "tool_count": len(tools),
        "approved_count": sum(1 for a in judged if a),
        "unapproved_count": sum(1 for a in judged if not a),
        "unjudged": len(judged) < len(approved),
        "escalation": "unknown (role not in the inventory)"
        if unknown_role
        else (
            _text(agent.get("privesc_path")) or ("none" if escalates is False or _text(escalates) == "False" else "")
        ),
        "facts": _facts(agent),
        "tools": [_tool_view(t) for t in tools],
        "credentials": _credentials(bundle.credentials, providers),
        "findings": _findings(bundle.findings, agent_id),
        "graph": tool_graph(agent, tools),
        "path": escalation_graph(agent) if _text(agent.get("kind")) == "ai_agent" else None,
        "source": {"file": _text(agent.get("source_file")), "sha12": _text(agent.get("source_sha256"))[:12]},
    }


def _rows(frame: pd.DataFrame | None, order: Sequence[str]) -> list[dict[str, Any]]:
    if frame is None or not len(frame.columns):
        return []
    return frame.sort_values(list(order), kind="mergesort").to_dict("records")


def agents_index(bundle: ReportBundle) -> dict[str, Any]:
    """The index page's context: discovered agents, gateways and registry entries, each with its counts."""
    agents = _rows(bundle.agents, ["account_id", "agent_id"])
    tools: dict[str, list[dict[str, Any]]] = {}
    for tool in _rows(bundle.agent_tools, ["agent_id", "tool"]):
        tools.setdefault(_text(tool.get("agent_id")), []).append(tool)
    views = [agent_view(a, tools.get(_text(a.get("agent_id")), []), bundle) for a in agents]
    return {
        "agents": [v for v in views if v["kind"] == "ai_agent"],
        "gateways": [v for v in views if v["kind"] == "agent_gateway"],
        "registered": [v for v in views if v["kind"] not in ("ai_agent", "agent_gateway")],
        "discovered": bool(
            bundle.agents is not None and len(bundle.agents.columns) and "kind" in bundle.agents.columns
        ),
    }


def agent_pages(bundle: ReportBundle) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(relative path, template, context) of the index and of every discovered agent's and gateway's page."""
    index = agents_index(bundle)
    yield INDEX, "agents.html.j2", {"a": index}
    for view in (*index["agents"], *index["gateways"]):
        yield view["file"], "agent.html.j2", {"g": view}
