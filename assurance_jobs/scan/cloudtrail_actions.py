"""CloudTrail calls as IAM actions: which permission a recorded call (eventSource, eventName) exercised.

WHY a table and not `<service>:<eventName>`: the names differ often enough to misjudge calls (`ListBuckets` is
authorised by `s3:ListAllMyBuckets`, Bedrock `Converse` by `bedrock:InvokeModel`, Lambda `Invoke` by
`lambda:InvokeFunction`), and a guessed name that IAM does not know would silently read as "nothing to judge".
The table (`data/cloudtrail_actions.txt.gz`) is derived from public data by `tools/build_cloudtrail_actions.py`;
its first line says from what. A call it does not list is UNKNOWN: the runtime rules never treat it as approved.

Lambda records its management events with the API version in the name (`GetFunction20150331v2`); such a name is
looked up without the suffix when the full name is not listed.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

DATA_PATH = Path(__file__).parent / "data" / "cloudtrail_actions.txt.gz"
SIGN_IN_SOURCE = "signin.amazonaws.com"
"""Console sign-in events (ConsoleLogin, SwitchRole, …): no IAM action authorises them (NHI-RT-002 judges them)."""
_API_VERSION_SUFFIX = re.compile(r"^([A-Za-z]+?)\d{8}(v\d+)?$")


@dataclass(frozen=True)
class CallTable:
    provenance: str
    prefixes: dict[str, str]  # eventSource -> IAM prefix
    actions: dict[tuple[str, str], tuple[str, ...]]  # (eventSource, eventName) -> actions; () = not authorised by IAM


@cache
def call_table() -> CallTable:
    """Load once per process (packaged data, like the IAM action catalogue)."""
    provenance, _, body = gzip.decompress(DATA_PATH.read_bytes()).decode("utf-8").partition("\n")
    prefixes: dict[str, str] = {}
    actions: dict[tuple[str, str], tuple[str, ...]] = {}
    for line in body.splitlines():
        source, name, listed = line.split("\t")
        if name == "*":
            prefixes[source] = listed
        elif listed == "=":
            actions[(source, name)] = (f"{prefixes[source]}:{name}",)
        else:
            actions[(source, name)] = tuple(filter(None, listed.split(",")))
    return CallTable(provenance.removeprefix("# "), prefixes, actions)


def service_of(event_source: str) -> str:
    """The IAM prefix of an eventSource ('monitoring.amazonaws.com' -> 'cloudwatch'); unknown sources: their host's
    first label, which names the service for display even when no action of it is known."""
    source = str(event_source)
    known = call_table().prefixes.get(source)
    return known if known is not None else source.removesuffix(".amazonaws.com").split(".")[0]


@lru_cache(maxsize=65536)
def iam_actions(event_source: str, event_name: str) -> tuple[str, ...] | None:
    """The IAM actions a recorded call may have needed; () when IAM does not authorise it (GetCallerIdentity,
    console sign-in events); None when the call is unknown — never to be read as approved."""
    if event_source == SIGN_IN_SOURCE:
        return ()
    table = call_table().actions
    found = table.get((event_source, event_name))
    if found is None:
        undated = _API_VERSION_SUFFIX.match(event_name)
        if undated is not None:
            found = table.get((event_source, undated.group(1)))
    return found


def display_action(event_source: str, event_name: str) -> str:
    """How a call is named in a finding: its IAM action (the first, when several), or `<service>:<eventName>?`
    marked with a question mark when the call is unknown."""
    found = iam_actions(event_source, event_name)
    if found:
        return found[0]
    return f"{service_of(event_source)}:{event_name}" + ("" if found is not None else "?")
