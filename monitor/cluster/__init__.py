"""Instances of the monitor sharing one store: who does what, and who takes over.

With the embedded store one process does everything (`Solo`). With PostgreSQL any number of
`monitor run` processes share the work (`Shared`): sources are claimed for each poll, posts
for translation, and each singleton job (processing, publishing, digest, alerts, retention)
is held by one instance at a time, all through leases its heartbeat renews.
"""

from monitor.cluster.coordinator import Coordinator, Shared, Solo, open_coordinator
from monitor.cluster.roles import ROLES, parse_roles

__all__ = ["ROLES", "Coordinator", "Shared", "Solo", "open_coordinator", "parse_roles"]
