"""The exit codes of the `podium` command, which schedulers can branch on."""

OK = 0
"""The job finished and passed its gate."""
FAILED = 1
"""The job failed: bad data, a storage, tracking or registry error, or an unexpected error."""
INVALID = 2
"""The config or the command line is invalid; nothing ran."""
REFUSED = 3
"""The quality gate refused the model (or the promotion); nothing was registered or moved."""
DRIFT = 4
"""A monitoring job found drift: at least `monitoring.drift_share` of the columns drifted; the
report was written and logged as on a run without drift."""
INTERRUPTED = 130
"""Interrupted (Ctrl-C, SIGINT): the run is marked KILLED and temporary files are removed."""
TERMINATED = 143
"""Terminated (SIGTERM), as for an interrupt."""
