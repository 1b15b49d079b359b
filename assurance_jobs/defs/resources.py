"""The configuration file as a Dagster resource, so the UI, the schedule and the CLI read the same settings."""

from __future__ import annotations

import dagster as dg

from assurance_jobs.config import AssuranceConfig, ConfigError, load_config


class AssuranceSettings(dg.ConfigurableResource):
    """Path of the YAML configuration plus optional overrides given on the command line.

    `executor` (`multiprocess` or `k8s`) and `io_bucket` describe where steps run: a laptop runs each step in its
    own process; Kubernetes runs a pod per step, and pods share no disk, so step outputs then go through S3.
    `collect_in_one_step` is set by the command line, which executes the job in its own process: there, shards
    would only run one after another, so every account is collected by one step's threads."""

    config_path: str | None = None
    storage_root: str | None = None
    output_dir: str | None = None
    executor: str = "multiprocess"
    io_bucket: str | None = None
    collect_in_one_step: bool = False

    def load(self) -> AssuranceConfig:
        config = load_config(self.config_path)
        overrides = {
            key: value for key, value in (("storage_root", self.storage_root), ("output_dir", self.output_dir)) if value
        }
        if not overrides:
            return config
        return AssuranceConfig.model_validate({**config.model_dump(), **overrides})

    def load_or_defaults(self) -> AssuranceConfig:
        """The configuration, or the built-in defaults when it cannot be read: the definitions must still load so
        that the run itself reports the configuration error where people look for it."""
        try:
            return self.load()
        except ConfigError:
            return AssuranceConfig()
