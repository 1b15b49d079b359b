"""The command-line shell: `assurance-jobs` commands, the run driver, progress, summary and exit codes."""
