"""Who moves an alias: read at the edge (the command line, the facade), never in a service."""

import getpass
import os
from collections.abc import Mapping

UNKNOWN_ACTOR = "unknown"


def current_actor(environ: Mapping[str, str] | None = None) -> str:
    """Who runs the job: `PODIUM_USER`, else the login name, else `unknown`."""
    named = (os.environ if environ is None else environ).get("PODIUM_USER", "").strip()
    if named:
        return named
    try:
        return getpass.getuser() or UNKNOWN_ACTOR
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return UNKNOWN_ACTOR
