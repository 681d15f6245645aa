"""Language detection: langdetect plus script and letter evidence."""

from monitor.lang.detect import detect_language

__all__ = ["detect_language"]
