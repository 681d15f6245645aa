"""Statements: grouping the copies, truncations, thread parts and translations of one text."""

from monitor.statements.cluster import Settings, StatementClusterer, StatementPost

__all__ = ["Settings", "StatementClusterer", "StatementPost"]
