"""The daily run's steps as plain functions over storage: Dagster assets and the CLI call these and stay thin."""
