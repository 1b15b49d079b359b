"""Exit codes (README, "Exit codes"): cron and CI tell a clean day from one with gaps in its evidence."""

EXIT_OK = 0  # the run completed and every rule scope has complete evidence
EXIT_FAILED = 1  # a step failed (or another run holds the Dagster instance); see the step logs
EXIT_USAGE = 2  # configuration or user error: one line naming the file, field and fix
EXIT_INCOMPLETE = 3  # the run completed but some rule scope is INCOMPLETE (the report's banner lists them)
EXIT_MISMATCH = 4  # `verify`: a stored or published file differs from its recorded hash (each one is named)
