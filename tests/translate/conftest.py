"""Fixtures for the translation tests: tiny Argos packages and an isolated Argos home."""

from tests.support.argos_package import argos_env, argos_packages

__all__ = ["argos_env", "argos_packages"]
