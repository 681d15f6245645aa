"""The digest's errors: a config problem (exit 2) or a failed delivery (exit 1)."""

from __future__ import annotations

from monitor.errors import ConfigError, DigestError


class DigestConfigError(ConfigError):
    """The [digest] settings, its templates or its secrets cannot work as configured."""

    remedy = "fix the [digest] section of the config, then run `monitor check`"


class DeliveryFailed(DigestError):
    """The digest was built but could not be delivered; it stays pending and is retried."""

    remedy = "check the [digest] delivery settings and that the mail server or folder is reachable"
