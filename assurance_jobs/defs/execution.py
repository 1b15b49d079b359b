"""How runs execute: each step in its own process (or pod), collection steps holding a shard of accounts each.

Accounts in flight are capped by `max_parallel_accounts` however they are spread: a collection step runs up to
`min(max_parallel_accounts, accounts_per_step)` threads, and the executor runs as many steps at once as keep the
product within the cap (`step_concurrency`). The collection steps also sit in the `aws_account_collection` pool, so
the instance's pool limit (`concurrency: pools:` in deploy/dagster.yaml, or `dagster instance concurrency set
aws_account_collection N`) caps them across concurrent runs too.

On one machine (the embedded instance, `dagster dev`, `dagster asset materialize`, the daemon's runs) steps are
processes forked from a forkserver that has imported the code location, Dagster's instance storage and boto3 once
per run: a step then pays for its own work, not ~2 CPU-s of imports (docs/organizations.md has the figures).

`executor: k8s` in the settings (deploy/k8s.yaml sets ASSURANCE_EXECUTOR=k8s for the code location) switches to
dagster-k8s's `k8s_job_executor`: one Kubernetes pod per step, so one per shard. Pods share no disk, so step outputs
then go through S3 (`io_bucket`, the dagster-aws pickle I/O manager). Both packages are imported only when asked
for: a laptop needs neither.
"""

import dagster as dg

from assurance_jobs.config import AssuranceConfig
from assurance_jobs.defs.resources import AssuranceSettings

FORKSERVER_PRELOAD = [
    "assurance_jobs.definitions",  # the code location every step process loads
    "assurance_jobs.steps.collect",  # boto3 and the collectors: most steps of an organization's run
    "dagster._core.storage.sqlite_storage",  # the embedded instance each step opens
    "assurance_jobs.defs.forkserver",  # last: freezes what the others loaded (see its docstring)
]


def step_concurrency(config: AssuranceConfig) -> int:
    """Collection steps at once, so that steps × threads per step stays within `max_parallel_accounts`."""
    threads = min(config.max_parallel_accounts, config.accounts_per_step)
    return max(1, config.max_parallel_accounts // threads)


def run_executor(settings: AssuranceSettings, config: AssuranceConfig) -> dg.ExecutorDefinition:
    steps = step_concurrency(config)
    if settings.executor == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor.configured({"max_concurrent": steps}, name="account_parallel_k8s")
    return dg.multiprocess_executor.configured(
        {"max_concurrent": steps, "start_method": {"forkserver": {"preload_modules": FORKSERVER_PRELOAD}}},
        name="account_parallel_multiprocess",
    )


def io_manager_resources(settings: AssuranceSettings) -> dict:
    """With pods, outputs (the day's plan, each shard's staged keys) must live where every pod can read them."""
    if not settings.io_bucket:
        return {}
    from dagster_aws.s3 import S3PickleIOManager, S3Resource

    return {
        "io_manager": S3PickleIOManager(
            s3_resource=S3Resource(), s3_bucket=settings.io_bucket, s3_prefix="assurance-jobs-io"
        )
    }


def definitions(settings: AssuranceSettings, config: AssuranceConfig) -> dg.Definitions:
    """The settings resource every asset reads, the executor and, on Kubernetes, the S3 I/O manager."""
    return dg.Definitions(
        resources={"settings": settings, **io_manager_resources(settings)},
        executor=run_executor(settings, config),
    )
