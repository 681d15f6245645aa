"""Loaded in test subprocesses (via PYTHONPATH): refuse any non-loopback connection."""

from tests_netguard import install

install()
