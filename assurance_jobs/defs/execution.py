"""How runs execute: each step in its own process (or pod), at most `max_parallel_accounts` at once.

The per-account steps also sit in the `aws_account_collection` pool, so the instance's pool limit
(`concurrency: pools:` in deploy/dagster.yaml, or `dagster instance concurrency set aws_account_collection N`)
caps them across concurrent runs too.

`ASSURANCE_EXECUTOR=k8s` (deploy/k8s.yaml) switches to dagster-k8s's `k8s_job_executor`: one Kubernetes pod per
step, so one per account. Pods share no disk, so step outputs then go through S3 (`ASSURANCE_IO_BUCKET`, the
dagster-aws pickle I/O manager). Both packages are imported only when asked for: a laptop needs neither.
"""

import os

import dagster as dg

from assurance_jobs.config import AssuranceConfig, ConfigError, load_config
from assurance_jobs.defs.resources import CONFIG_ENV

EXECUTOR_ENV = "ASSURANCE_EXECUTOR"
IO_BUCKET_ENV = "ASSURANCE_IO_BUCKET"


def _parallel_accounts() -> int:
    """From the configuration file; a broken file must not stop the code location from loading."""
    try:
        return load_config(os.environ.get(CONFIG_ENV)).max_parallel_accounts
    except ConfigError:
        return AssuranceConfig.model_fields["max_parallel_accounts"].default


def run_executor() -> dg.ExecutorDefinition:
    limit = _parallel_accounts()
    if os.environ.get(EXECUTOR_ENV) == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor.configured({"max_concurrent": limit}, name="account_parallel_k8s")
    return dg.multiprocess_executor.configured({"max_concurrent": limit}, name="account_parallel_multiprocess")


def io_manager_resources() -> dict:
    """With pods, outputs (the day's plan, each account's staged key) must live where every pod can read them."""
    bucket = os.environ.get(IO_BUCKET_ENV)
    if not bucket:
        return {}
    from dagster_aws.s3 import S3PickleIOManager, S3Resource

    return {"io_manager": S3PickleIOManager(s3_resource=S3Resource(), s3_bucket=bucket, s3_prefix="assurance-jobs-io")}
