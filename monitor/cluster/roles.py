"""What an instance does: `monitor run --role collector,translator,...` (default: all)."""

from __future__ import annotations

from monitor.errors import ConfigError

# collector: polls sources, rechecks deletions, detects and clusters (one at a time), prunes
# translator: translates claimed posts with the models it has
# publisher: drains the outbox into the queue (one at a time)
# digest: the daily digest and the alerts (one at a time each)
# web: the web view on [web] listen
ROLES = ("collector", "translator", "publisher", "digest", "web")


def parse_roles(text: str | None) -> tuple[str, ...]:
    """`collector,translator` -> ("collector", "translator"), in ROLES order; None: all."""
    if text is None:
        return ROLES
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(ROLES))
    if unknown or not wanted:
        raise ConfigError(
            f"--role {text!r}: {'unknown role ' + ', '.join(unknown) if unknown else 'no role'}",
            remedy=f"give one or more of {', '.join(ROLES)}, separated by commas",
        )
    return tuple(role for role in ROLES if role in wanted)
