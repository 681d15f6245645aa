"""Roles across processes: a collector without models hands Spanish posts to a translator
instance that has the es->en model; the collector publishes what the translator made."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.support.argos_package import ArgosEnv, BuiltPackage, install_unzipped
from tests.support.cli import queued_records, run_monitor, start_daemon
from tests.support.config import write_rss_config
from tests.support.httpserver import LocalServer, Reply
from tests.support.stores import StoreFactory

DATA = Path(__file__).parent.parent / "sources" / "testdata" / "rss"


def test_a_collector_without_models_gets_its_posts_translated_by_a_translator(
    http_server: LocalServer,
    tmp_path: Path,
    subprocess_env: dict[str, str],
    argos_env: ArgosEnv,
    argos_packages: dict[str, BuiltPackage],
    postgresql_store_factory: StoreFactory,
) -> None:
    install_unzipped(argos_packages["es"], argos_env.packages_dir)
    http_server.route(
        "/mppre",
        Reply(
            body=(DATA / "mppre.xml").read_bytes(), headers={"Content-Type": "application/rss+xml"}
        ),
    )
    configs = {}
    for name in ("collector", "translator"):
        folder = tmp_path / name
        folder.mkdir()
        configs[name] = write_rss_config(
            folder,
            {"mppre-feed": http_server.url("/mppre")},
            monitor='shutdown_grace = "5s"',
            translation=True,
            source_extra='every = "1s"\njitter = "0.1s"\n',
            rest=postgresql_store_factory.config() + '\n[cluster]\nlease = "4s"\n',
        )
    with_model = {**subprocess_env, **argos_env.env}
    without = {**with_model, "ARGOS_PACKAGES_DIR": str(tmp_path / "no-models")}
    (tmp_path / "no-models").mkdir()
    translator = start_daemon(configs["translator"], with_model, tmp_path, "translator")
    collector = None
    try:
        deadline = time.monotonic() + 30
        while "models es-en" not in (
            listing := run_monitor(
                ["--config", str(configs["collector"]), "instances"], without, tmp_path
            ).stdout
        ):
            assert time.monotonic() < deadline, listing
            time.sleep(0.3)
        collector = start_daemon(configs["collector"], without, tmp_path, "collector,publisher")
        records: list[dict[str, object]] = []
        while time.monotonic() < deadline + 30 and len(records) < 3:
            time.sleep(0.5)
            records = queued_records(configs["collector"], without, tmp_path)
    finally:
        for process in (collector, translator):
            if process is not None:
                process.send_signal(signal.SIGTERM)
        errors = [p.communicate(timeout=30)[1] for p in (collector, translator) if p is not None]
    assert all("Traceback" not in err and "monitor stopped" in err for err in errors), errors
    spanish = [r for r in records if r["language"]["code"] == "es"]  # type: ignore[index]
    assert spanish, records
    for record in spanish:
        translation = record["translation"]
        assert translation["status"] == "translated", translation  # type: ignore[index]
        assert translation["model"] == argos_packages["es"].name  # type: ignore[index]
