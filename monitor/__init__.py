"""monitor: a multilingual monitor of official social-media accounts."""

__version__ = "0.1.0"
