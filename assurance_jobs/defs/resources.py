"""The configuration file as a Dagster resource, so the UI, the schedule and the CLI read the same settings."""

from __future__ import annotations

import os

import dagster as dg

from assurance_jobs.config import AssuranceConfig, load_config

CONFIG_ENV = "ASSURANCE_CONFIG"


class AssuranceSettings(dg.ConfigurableResource):
    """Path of the YAML configuration plus optional overrides given on the command line."""

    config_path: str | None = None
    storage_root: str | None = None
    output_dir: str | None = None

    def load(self) -> AssuranceConfig:
        config = load_config(self.config_path)
        overrides = {
            key: value for key, value in (("storage_root", self.storage_root), ("output_dir", self.output_dir)) if value
        }
        if not overrides:
            return config
        return AssuranceConfig.model_validate({**config.model_dump(), **overrides})


def settings_from_environment() -> AssuranceSettings:
    """Settings for the code location loaded by `dagster dev`: the file named by $ASSURANCE_CONFIG, if any."""
    return AssuranceSettings(config_path=os.environ.get(CONFIG_ENV))
