"""Run every configured probe at once (threads): the run lasts as long as the longest wait, not their sum."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from assurance_jobs.config import OAuth2ProbeTarget, ProbesConfig
from assurance_jobs.probes.clock import Clock
from assurance_jobs.probes.oauth2 import OAuth2Probe
from assurance_jobs.probes.record import ProbeRecord, Redactor
from assurance_jobs.probes.sts import ClientFactory, StsProbe, boto3_clients

LOG = logging.getLogger("assurance_jobs.probes")
MAX_PARALLEL = 16


@dataclass
class ProbeRun:
    """The records of one run, and the redactor that knows its secrets (to check the evidence before writing)."""

    records: list[ProbeRecord]
    redactor: Redactor


def run_probes(
    settings: ProbesConfig, clock: Clock | None = None, sts_clients: ClientFactory = boto3_clients, http=None
) -> ProbeRun:
    clock = clock or Clock()
    redactor = Redactor()
    probes: Sequence[OAuth2Probe | StsProbe] = [
        OAuth2Probe(target, settings, clock, redactor, http)
        if isinstance(target, OAuth2ProbeTarget)
        else StsProbe(target, settings, clock, redactor, sts_clients)
        for target in settings.targets
    ]
    if not probes:
        return ProbeRun([], redactor)
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(probes)), thread_name_prefix="probe") as pool:
        records = list(pool.map(_safe_run, probes))
    for record in records:
        LOG.info(
            "probe %s: %s%s token %s",
            record.target,
            record.status,
            f" ({record.error_code})" if record.error_code else "",
            record.token_fingerprint or "-",
        )
    return ProbeRun(records, redactor)


def _safe_run(probe: OAuth2Probe | StsProbe) -> ProbeRecord:
    """One probe's bug must not lose the others' evidence: it is recorded as that probe's error."""
    try:
        return probe.run()
    except Exception as error:  # recorded as evidence, never swallowed silently
        return probe.record.fail("ProbeFailed", probe.redactor.scrub(f"{type(error).__name__}: {error}") or "")
