"""The `notifier` section of a config: who hears how jobs end."""

from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator

from podium.domain.base import Frozen


class NoNotifierSettings(Frozen):
    """Tell no one (the default)."""

    kind: Literal["none"] = "none"


class LogNotifierSettings(Frozen):
    """One log line per notice on the `podium.notices` logger."""

    kind: Literal["log"]


class WebhookNotifierSettings(Frozen):
    """A Slack-compatible JSON POST to `url`; a delivery failure is logged and never fails the
    job. The URL holds the webhook's secret: give it as `${oc.env:PODIUM_WEBHOOK_URL}`; podium
    never prints or logs it."""

    kind: Literal["webhook"]
    url: SecretStr = Field(description="http(s) URL, e.g. ${oc.env:PODIUM_WEBHOOK_URL}")
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    retries: int = Field(default=2, ge=0, le=10, description="Attempts after the first")
    backoff_seconds: float = Field(
        default=1.0, ge=0, le=30, description="Wait before retry n: backoff * 2**(n-1), max 30 s"
    )

    @model_validator(mode="after")
    def _url_is_http(self) -> Self:
        parts = urlsplit(self.url.get_secret_value())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url: a webhook URL must start with https:// or http://")
        return self


NotifierSettings = Annotated[
    NoNotifierSettings | LogNotifierSettings | WebhookNotifierSettings,
    Field(discriminator="kind"),
]
