"""Keeping secrets out of what podium prints, logs, records or sends: URIs lose their userinfo
and the values of query parameters that hold credentials."""

import re

MASK = "***"

# scheme://user:password@host or scheme://token@host: everything between `//` and `@`.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/@?#'\"]+)@")
# ?password=..., &X-Amz-Signature=..., ;sig=... (names that carry a credential).
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&;][A-Za-z0-9_.\-]*"
    r"(?:password|passwd|pwd|secret|token|signature|sig|credential|apikey|api_key|key|auth)"
    r"[A-Za-z0-9_.\-]*=)(?P<value>[^&#;\s'\"]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` with every URI's userinfo and every secret query value replaced by `***`."""
    if "://" not in text and "=" not in text:
        return text
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    return _SECRET_QUERY.sub(lambda m: f"{m['name']}{MASK}", text)
