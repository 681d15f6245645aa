"""Which adapter class serves which platform. Adapters are imported lazily."""

from __future__ import annotations

import importlib

from monitor.config import SourceSettings
from monitor.errors import ConfigError
from monitor.sources.base import Source
from monitor.sources.http import HttpClient

_ADAPTERS = {
    "rss": "monitor.sources.rss:RssSource",
    "telegram": "monitor.sources.telegram:TelegramSource",
    "x": "monitor.sources.x:XSource",
    "mastodon": "monitor.sources.mastodon:MastodonSource",
    "bluesky": "monitor.sources.bluesky:BlueskySource",
}


def adapter_class(platform: str) -> type[Source]:
    module_name, _, class_name = _ADAPTERS[platform].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise ConfigError(
            f'platform "{platform}" is not supported by this version of the monitor',
            remedy="upgrade the monitor or remove the source",
        ) from None
    cls: type[Source] = getattr(module, class_name)
    return cls


def build_source(settings: SourceSettings, http: HttpClient) -> Source:
    return adapter_class(settings.platform)(settings, http)
