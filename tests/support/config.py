"""The one way tests write a `monitor.toml` for a subprocess: a data dir under tmp_path, no
health endpoint, translation off unless asked, and RSS sources by name and URL."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def write_rss_config(
    tmp_path: Path,
    sources: Mapping[str, str],
    *,
    health: str = "",
    web: str = "",
    monitor: str = "",
    translation: bool = False,
    source_extra: str = "",
    rest: str = "",
) -> Path:
    """`sources` maps a source name to its feed URL; `health` is the /healthz address
    and `web` the web view's ("" for none); `monitor` adds lines to [monitor],
    `source_extra` to every [[sources]] block, `rest` whole sections at the end."""
    blocks = "".join(
        f'\n[[sources]]\nname = "{name}"\nplatform = "rss"\nurl = "{url}"\n{source_extra}'
        for name, url in sources.items()
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[monitor]\ndata_dir = "{tmp_path / "data"}"\nhealth = "{health}"\n{monitor}\n'
        f"[translation]\nenabled = {'true' if translation else 'false'}\n"
        f'[web]\nlisten = "{web}"\n'
        f"{blocks}\n{rest}"
    )
    return config
