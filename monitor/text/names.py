"""What a language code and a platform are called where people read them (the digest and the
web view say the same)."""

from __future__ import annotations

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "ru": "Russian",
    "pt": "Portuguese",
    "fr": "French",
    "it": "Italian",
    "ca": "Catalan",
    "de": "German",
    "ro": "Romanian",
    "uk": "Ukrainian",
    "be": "Belarusian",
    "bg": "Bulgarian",
    "sr": "Serbian",
    "mk": "Macedonian",
    "kk": "Kazakh",
    "zh": "Chinese",
    "ar": "Arabic",
    "fa": "Persian",
    "tr": "Turkish",
    "und": "no language",
}
PLATFORM_NAMES = {
    "rss": "RSS",
    "telegram": "Telegram",
    "x": "X",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)
