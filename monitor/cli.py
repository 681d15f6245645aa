"""The `monitor` command line. Exit codes:

0  success
1  the operation failed (every source failed, delivery or broker failure)
2  usage or configuration error
3  another `monitor run` holds the data directory
130 interrupted
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor import __version__
from monitor.config import ConfigProblems, Settings, load_settings
from monitor.errors import ConfigError, MonitorError
from monitor.logs import setup_logging
from monitor.search.commands import HELP as SEARCH_HELP

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"monitor: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="monitor", description="Multilingual monitor of official accounts.")
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file (default: $MONITOR_CONFIG or config/monitor.toml)",
    )
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default=None)
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=Parser
    )

    run = commands.add_parser("run", help="run the daemon until SIGTERM/SIGINT")
    run.add_argument(
        "--role",
        metavar="ROLES",
        default=None,
        help="what this instance does, of collector,translator,publisher,digest,web"
        " (default: all; several instances share a PostgreSQL store)",
    )
    commands.add_parser(
        "instances",
        help="the instances sharing the store: roles, what each holds, last heartbeat",
    )
    commands.add_parser(
        "web", help="the read-only web view alone, on [web] listen, until SIGTERM/SIGINT"
    )
    collect = commands.add_parser(
        "collect", help="one collection pass now, then detect, translate, publish"
    )
    collect.add_argument(
        "--source", action="append", metavar="NAME", help="only this source (repeatable)"
    )
    commands.add_parser("check", help="validate the config and say exactly what is wrong")
    commands.add_parser(
        "sources", help="list sources with their last success, errors and next poll"
    )

    detect = commands.add_parser("detect", help="detect the language of TEXT or of each stdin line")
    detect.add_argument("text", nargs="?", help="text to detect (default: read lines from stdin)")

    translate = commands.add_parser("translate", help="translate TEXT or each stdin line")
    translate.add_argument("--from", dest="source", required=True, metavar="LANG")
    translate.add_argument("--to", dest="target", default=None, metavar="LANG")
    translate.add_argument("text", nargs="?")

    models = commands.add_parser("models", help="offline translation model management")
    model_commands = models.add_subparsers(
        dest="models_command", required=True, parser_class=Parser
    )
    model_commands.add_parser("list", help="installed language pairs")
    install = model_commands.add_parser("install", help="install models from the index or a file")
    install.add_argument("langs", nargs="*", metavar="LANG", help="source languages, e.g. es ru")
    install.add_argument("--file", type=Path, help="a .argosmodel file (air-gapped hosts)")
    model_commands.add_parser(
        "ensure", help="install the configured pairs when missing and reachable"
    )

    queue = commands.add_parser("queue", help="inspect the queue")
    queue_commands = queue.add_subparsers(dest="queue_command", required=True, parser_class=Parser)
    tail = queue_commands.add_parser("tail", help="print queued records as JSON lines")
    tail.add_argument("--follow", "-f", action="store_true")
    tail.add_argument("--limit", "-n", type=int, default=10)

    search = commands.add_parser(
        "search",
        help="full-text search of stored posts, newest first",
        epilog=SEARCH_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    search.add_argument("query", metavar="QUERY", help="e.g. 'sanciones OR санкции lang:es'")
    search.add_argument("--limit", "-n", type=_positive, default=20, metavar="N")
    search.add_argument("--json", action="store_true", help='print {"total": N, "results": [...]}')

    alerts = commands.add_parser("alerts", help="watch-term alerts")
    alert_commands = alerts.add_subparsers(
        dest="alerts_command", required=True, parser_class=Parser
    )
    alert_test = alert_commands.add_parser(
        "test", help="what an alert (or a query) would have matched in the stored history"
    )
    alert_test.add_argument("alert", metavar="NAME|QUERY")
    alert_test.add_argument(
        "--since", type=_duration, default=7 * 86400.0, metavar="7d", help="how far back"
    )

    digest = commands.add_parser("digest", help="render or send the daily digest")
    digest_commands = digest.add_subparsers(
        dest="digest_command", required=True, parser_class=Parser
    )
    preview = digest_commands.add_parser("preview", help="render the digest without sending it")
    preview.add_argument("--date", type=_day, metavar="YYYY-MM-DD")
    preview.add_argument("--out", type=Path, metavar="FILE")
    send = digest_commands.add_parser("send", help="send the digest now")
    send.add_argument("--date", type=_day, metavar="YYYY-MM-DD")
    send.add_argument(
        "--force", action="store_true", help="send even when nothing is new since the last digest"
    )

    store = commands.add_parser("store", help="the store itself")
    store_commands = store.add_subparsers(dest="store_command", required=True, parser_class=Parser)
    store_copy = store_commands.add_parser(
        "copy", help="copy the embedded store into an empty PostgreSQL database"
    )
    store_copy.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/db")
    store_copy.add_argument(
        "--password-env",
        metavar="NAME",
        help="the variable holding the password ([store] password_env)",
    )
    store_copy.add_argument(
        "--schema", metavar="NAME", help="a schema ([store] schema; default public)"
    )
    return parser


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f'"{text}" is not a positive whole number')
    return number


def _duration(text: str) -> float:
    from monitor.config import parse_duration

    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _day(text: str) -> object:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a date like 2026-11-28') from None


# Group and others lose write, others lose read: the store holds every post and the outbox,
# digests go to named analysts. A process umask (set before anything is created) covers
# the files SQLite makes by itself (-wal, -shm), the queue, digest and lock files alike.
PRIVATE_UMASK = 0o027


def restrict_umask() -> None:
    """Make new files 0640 and folders 0750 at most; a stricter umask is kept."""
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)


def main(argv: Sequence[str] | None = None) -> int:
    restrict_umask()
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level or "info", args.log_format)
    try:
        return dispatch(args)
    except ConfigProblems as error:
        print(
            f"monitor: {error.path}: the config has {len(error.problems)} problem(s):",
            file=sys.stderr,
        )
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as error:
        print(f"monitor: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except MonitorError as error:
        from monitor.daemon import AlreadyRunning

        print(f"monitor: error: {error}", file=sys.stderr)
        return EXIT_LOCKED if isinstance(error, AlreadyRunning) else EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:
        logging.getLogger("monitor").debug("internal error", exc_info=True)
        print(
            f"monitor: internal error: {type(error).__name__}: {error}"
            " (run with --log-level debug for the details, and please report it)",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.log_level is None:
        setup_logging(settings.monitor.log_level, args.log_format)
    return settings


def dispatch(args: argparse.Namespace) -> int:
    command = args.command
    if command == "detect":
        return cmd_detect(args.text)
    settings = _settings(args)
    if command == "check":
        return cmd_check(settings, args.config)
    if command == "collect":
        return asyncio.run(cmd_collect(settings, args.source))
    if command == "run":
        from monitor.cluster import parse_roles
        from monitor.daemon import run_daemon

        return asyncio.run(run_daemon(settings, args.config, parse_roles(args.role)))
    if command == "instances":
        from monitor.cluster.commands import cmd_instances

        return cmd_instances(settings)
    if command == "sources":
        return cmd_sources(settings)
    if command == "web":
        from monitor.web import serve_web

        return asyncio.run(serve_web(settings))
    if command == "queue":
        return asyncio.run(cmd_queue_tail(settings, args.limit, args.follow))
    if command == "translate":
        from monitor.translate.commands import run_translate_command

        texts = [args.text] if args.text is not None else _stdin_lines()
        return run_translate_command(
            settings, args.source, args.target or settings.languages.target, texts
        )
    if command == "models":
        from monitor.translate import commands as models

        if args.models_command == "list":
            return models.models_list(settings)
        if args.models_command == "install":
            if not args.langs and args.file is None:
                print(
                    "monitor: error: name languages (e.g. `es ru`) or give --file", file=sys.stderr
                )
                return EXIT_USAGE
            return models.models_install(settings, list(args.langs), args.file)
        return models.models_ensure(settings)
    if command == "digest":
        return cmd_digest(settings, args)
    if command == "alerts":
        from monitor.alerts.commands import alerts_test

        return alerts_test(settings, args.alert, args.since)
    if command == "store":
        return cmd_store_copy(settings, args.to, args.password_env, args.schema)
    if command == "search":
        from monitor.search.commands import run_search

        return run_search(settings, args.query, limit=args.limit, as_json=args.json)
    raise AssertionError(f"unhandled command {command}")


def _stdin_lines() -> list[str]:
    return [line.rstrip("\n") for line in sys.stdin if line.strip()]


def cmd_detect(text: str | None) -> int:
    from monitor.lang import detect_language

    for line in [text] if text is not None else _stdin_lines():
        language = detect_language(line)
        print(
            json.dumps(
                {"text": line, "lang": language.code, "confidence": round(language.confidence, 4)},
                ensure_ascii=False,
            )
        )
    return EXIT_OK


def cmd_check(settings: Settings, path: Path | None) -> int:
    from monitor.config import secret_from_env
    from monitor.store import open_store

    problems: list[str] = []
    warnings: list[str] = []
    for index, source in enumerate(settings.sources):
        if source.token_env and secret_from_env(source.token_env) is None:
            warnings.append(
                f"sources[{index}].token_env: ${source.token_env} is not set in this environment"
            )
    smtp = settings.digest.smtp
    if (
        settings.digest.delivery == "smtp"
        and smtp.password_env
        and secret_from_env(smtp.password_env) is None
    ):
        warnings.append(
            f"digest.smtp.password_env: ${smtp.password_env} is not set in this environment"
        )
    try:
        open_store(settings).close()
    except MonitorError as error:
        problems.append(f"monitor.data_dir: {error}")
    try:
        from monitor.queues.factory import check_backend

        asyncio.run(check_backend(settings))
    except MonitorError as error:
        problems.append(f"queue: {error}")
    if settings.web.username and secret_from_env(settings.web.password_env) is None:
        warnings.append(
            f"web.password_env: ${settings.web.password_env} is not set in this environment"
            " (the web view will not start without it)"
        )
    for index, alert in enumerate(settings.alerts):
        if alert.secret_env and secret_from_env(alert.secret_env) is None:
            warnings.append(
                f"alerts[{index}].secret_env: ${alert.secret_env} is not set in this environment"
            )
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print(
        f"config OK: {len(settings.sources)} source(s), queue {settings.queue.backend}, "
        f"digest by {settings.digest.delivery}, {len(settings.alerts)} alert(s)"
    )
    return EXIT_OK


async def cmd_collect(settings: Settings, names: list[str] | None) -> int:
    from monitor.app import App

    for name in names or []:
        settings.source(name)
    if not settings.sources:
        print("monitor: no sources are configured; add [[sources]] to the config", file=sys.stderr)
        return EXIT_USAGE
    async with App(settings) as app:
        outcomes = await app.collect_pass(names)
        pending = app.store.outbox_pending()
    width = max(len(o.source) for o in outcomes)
    for o in outcomes:
        line = f"{o.source:<{width}}  {o.status:<12}  new {o.new:>4}  updated {o.updated:>3}  unchanged {o.unchanged:>4}"
        print(line + (f"  error: {o.error}" if o.error else ""))
    failed = sum(1 for o in outcomes if o.status == "error")
    print(
        f"{len(outcomes)} source(s): {len(outcomes) - failed} ok, {failed} failed; "
        f"{sum(o.new for o in outcomes)} new, {sum(o.updated for o in outcomes)} updated; "
        f"{pending} record(s) waiting in the outbox"
    )
    return EXIT_FAILED if outcomes and failed == len(outcomes) else EXIT_OK


def cmd_sources(settings: Settings) -> int:
    from monitor.store import open_store

    store = open_store(settings)
    known = {s.name: s for s in store.source_statuses()}
    print(
        f"{'source':<28} {'platform':<9} {'last success':<21} {'errors':>6}  {'next poll':<21} last error"
    )
    for source in settings.sources:
        status = known.get(source.name)
        if status is None:
            print(f"{source.name:<28} {source.platform:<9} {'never':<21} {0:>6}  {'-':<21}")
            continue
        print(
            f"{source.name:<28} {source.platform:<9} {status.last_success or 'never':<21} "
            f"{status.consecutive_errors:>6}  {status.next_poll or '-':<21} "
            f"{status.last_error if status.consecutive_errors else ''}"
        )
    store.close()
    return EXIT_OK


async def cmd_queue_tail(settings: Settings, limit: int, follow: bool) -> int:
    from monitor.queues.factory import open_backend

    backend = open_backend(settings)
    await backend.connect()
    try:
        async for record in backend.tail(limit=limit, follow=follow):
            print(json.dumps(record, ensure_ascii=False), flush=True)
    finally:
        await backend.close()
    return EXIT_OK


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    from monitor.digest.commands import digest_preview, digest_send
    from monitor.store import open_store

    store = open_store(settings)
    try:
        if args.digest_command == "preview":
            return digest_preview(settings, store, args.date, args.out)
        return digest_send(settings, store, args.date, args.force)
    finally:
        store.close()


def cmd_store_copy(
    settings: Settings, url: str, password_env: str | None, schema: str | None
) -> int:
    import re
    import time
    from urllib.parse import parse_qs, urlsplit

    from monitor.config import secret_from_env
    from monitor.daemon import InstanceLock
    from monitor.logs import register_secret
    from monitor.store.copy import copy_to_postgresql
    from monitor.store.db import STORE_FILE

    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("--to: is not a postgresql://user@host:5432/db URL", remedy="")
    parts = urlsplit(url)
    if parts.password or "password" in parse_qs(parts.query):
        raise ConfigError(
            "--to: the URL holds a password (other users can see command lines)",
            remedy="put it in an environment variable and name it with --password-env",
        )
    schema = schema if schema is not None else settings.store.schema_name
    if schema and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ConfigError(f'--schema: "{schema}" is not a schema name (a-z, 0-9, "_")', remedy="")
    variable = password_env if password_env is not None else settings.store.password_env
    password = secret_from_env(variable) if variable else None
    if variable and password is None:
        raise ConfigError(
            f"${variable} (the password) is not set in this environment",
            remedy=f"export {variable}=... first, or name another variable with --password-env",
        )
    if password is not None:
        register_secret(password)
    if not (settings.monitor.data_dir / STORE_FILE).is_file():
        raise ConfigError(
            f"there is no embedded store at {settings.monitor.data_dir / STORE_FILE}",
            remedy="point [monitor] data_dir at the monitor's data (the config it ran with)",
        )
    lock = InstanceLock(settings.monitor.data_dir)  # `monitor run` would go on writing
    lock.acquire()
    clock = {"last": 0.0}

    def progress(table: str, done: int, total: int) -> None:
        if done == total or time.monotonic() - clock["last"] >= 1.0:
            clock["last"] = time.monotonic()
            print(f"  {table}: {done:,} of {total:,} rows", file=sys.stderr, flush=True)

    print(f"copying {settings.monitor.data_dir / STORE_FILE} into {url}", file=sys.stderr)
    try:
        result = copy_to_postgresql(
            settings.monitor.data_dir,
            url,
            password=password,
            schema=schema or None,
            progress=progress,
        )
    finally:
        lock.release()
    print(f"copied into {result.target}, schema {result.schema}:")
    for table, rows in result.rows:
        print(f"  {table:<18} {rows:>9,} row{'' if rows == 1 else 's'}")
    print(
        f'to use it: [store] backend = "postgresql", url = "{url}"'
        + (f', schema = "{result.schema}"' if schema else "")
        + (f', password_env = "{variable}"' if variable else "")
    )
    return EXIT_OK
