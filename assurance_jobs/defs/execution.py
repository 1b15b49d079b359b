"""How runs execute: each step in its own process (or pod), at most `max_parallel_accounts` at once.

The per-account steps also sit in the `aws_account_collection` pool, so the instance's pool limit
(`concurrency: pools:` in deploy/dagster.yaml, or `dagster instance concurrency set aws_account_collection N`)
caps them across concurrent runs too.

`executor: k8s` in the settings (deploy/k8s.yaml sets ASSURANCE_EXECUTOR=k8s for the code location) switches to
dagster-k8s's `k8s_job_executor`: one Kubernetes pod per step, so one per account. Pods share no disk, so step
outputs then go through S3 (`io_bucket`, the dagster-aws pickle I/O manager). Both packages are imported only when
asked for: a laptop needs neither.
"""

import dagster as dg

from assurance_jobs.defs.resources import AssuranceSettings


def run_executor(settings: AssuranceSettings, max_parallel_accounts: int) -> dg.ExecutorDefinition:
    if settings.executor == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor.configured({"max_concurrent": max_parallel_accounts}, name="account_parallel_k8s")
    return dg.multiprocess_executor.configured(
        {"max_concurrent": max_parallel_accounts}, name="account_parallel_multiprocess"
    )


def io_manager_resources(settings: AssuranceSettings) -> dict:
    """With pods, outputs (the day's plan, each account's staged key) must live where every pod can read them."""
    if not settings.io_bucket:
        return {}
    from dagster_aws.s3 import S3PickleIOManager, S3Resource

    return {
        "io_manager": S3PickleIOManager(
            s3_resource=S3Resource(), s3_bucket=settings.io_bucket, s3_prefix="assurance-jobs-io"
        )
    }


def definitions(settings: AssuranceSettings, max_parallel_accounts: int) -> dg.Definitions:
    """The settings resource every asset reads, the executor and, on Kubernetes, the S3 I/O manager."""
    return dg.Definitions(
        resources={"settings": settings, **io_manager_resources(settings)},
        executor=run_executor(settings, max_parallel_accounts),
    )
