"""Module-level job factories, so the multiprocess executor's child processes can rebuild the job by name."""

import dagster as dg


def daily_assurance() -> dg.JobDefinition:
    from assurance_jobs.definitions import defs

    return defs().resolve_job_def("daily_assurance")
