"""TOML configuration -> validated, frozen settings objects.

Every problem is reported with its key path (`sources[2].every: ...`) so that
`monitor check` can say exactly what is wrong and where.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import time as dtime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.errors import ConfigError, MonitorError, QueryError
from monitor.logs import redact, register_secret
from monitor.record import MAX_TEXT
from monitor.redaction import broker_url_problem, mask_credentials, secret_location

DEFAULT_CONFIG_PATH = Path("config/monitor.toml")
Platform = Literal["rss", "telegram", "x", "mastodon", "bluesky"]

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def parse_duration(value: object) -> float:
    """`"90s"`, `"5m"`, `"1h30m"`, `"1d"` or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError(f'{value!r} is not a duration like "5m"')
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        pos, seconds = 0, 0.0
        for match in _DURATION.finditer(text):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            pos = match.end()
        if not text or pos != len(text):
            raise ValueError(f'"{value}" is not a duration like "5m"')
    else:
        raise ValueError(f'{value!r} is not a duration like "5m"')
    if seconds <= 0:
        raise ValueError(f'"{value}" must be a positive duration like "5m"')
    return seconds


Duration = Annotated[float, BeforeValidator(parse_duration)]


def parse_retention(value: object) -> float:
    """How long to keep data: a duration of at least a day, or `"0"` (or 0) to keep everything."""
    if not isinstance(value, bool) and value in (0, "0"):
        return 0.0
    seconds = parse_duration(value)
    if seconds < 86400:
        raise ValueError(f'"{value}" is shorter than a day; use "1d" or more, or "0" to keep all')
    return seconds


# Seconds; 0 keeps everything.
Retention = Annotated[float, BeforeValidator(parse_retention)]


def parse_recheck_window(value: object) -> str:
    """`recheck_window`: a duration ("7d") or a count of most recent posts ("200", 200)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip().isdecimal():
        if int(value) < 1:
            raise ValueError(f'"{value}" must be at least one post, or a duration like "7d"')
        return value.strip()
    parse_duration(value)
    return str(value).strip()


# Platforms whose sources re-check recent posts for deletions unless `deletions = false`.
RECHECK_BY_DEFAULT = frozenset({"telegram", "mastodon", "bluesky"})


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MonitorSettings(_Section):
    data_dir: Path = Path("data")
    timezone: str = "UTC"
    health: str = "127.0.0.1:8787"
    user_agent: str = "monitor/0.1 (+https://github.com/; official-accounts monitor)"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    shutdown_grace: Duration = 10.0
    max_concurrency: int = Field(default=32, ge=1, le=1024)
    per_host_concurrency: int = Field(default=4, ge=1, le=256)
    timeout: Duration = 20.0
    poll_deadline: Duration = 300.0
    retention: Retention = 365 * 86400.0
    retention_posts: Retention = 0.0
    max_text: int = Field(default=MAX_TEXT, ge=1000)
    max_response_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    backoff_base: Duration = 60.0
    backoff_max: Duration = 6 * 3600.0

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f'"{value}" is not a known time zone like "America/Caracas"') from None
        return value

    @field_validator("health")
    @classmethod
    def _host_port(cls, value: str) -> str:
        if value and not re.fullmatch(r"[\w.\-\[\]:]+:\d{1,5}", value):
            raise ValueError(f'"{value}" is not host:port like "127.0.0.1:8787" (or "" for off)')
        return value


class LanguageSettings(_Section):
    translate: tuple[str, ...] = ("es", "ru")
    target: str = "en"

    @field_validator("translate")
    @classmethod
    def _codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not re.fullmatch(r"[a-z]{2}", code):
                raise ValueError(f'"{code}" is not an ISO 639-1 code like "es"')
        return value

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2}", value):
            raise ValueError(f'"{value}" is not an ISO 639-1 code like "en"')
        return value


class TranslationSettings(_Section):
    enabled: bool = True
    package_index: str = ""
    auto_install: bool = True
    beam_size: int = Field(default=4, ge=1, le=16)
    length_penalty: float = 0.2
    replace_unknowns: bool = True
    compute_type: str | None = None
    max_batch_tokens: int = Field(default=4096, ge=64)
    max_decoding_length: int = Field(default=256, ge=1)
    min_decoding_length: int = Field(default=1, ge=0)
    inter_threads: int = Field(default=1, ge=1)
    intra_threads: int = Field(default=0, ge=0)
    backlog: int = Field(default=1000, ge=1)
    batch_posts: int = Field(default=64, ge=1)


class StatementSettings(_Section):
    """Statement clustering: a new post is compared with the posts of the last `window`."""

    enabled: bool = True
    window: Duration = 7 * 86400.0


class StoreSettings(_Section):
    """Where posts, state and the outbox live: the embedded SQLite file or PostgreSQL."""

    backend: Literal["sqlite", "postgresql"] = "sqlite"
    url: str = ""  # postgresql://user@host:5432/db (the password comes from password_env)
    password_env: str = ""
    schema_name: str = Field(default="", alias="schema")  # a PostgreSQL schema, default public
    statement_timeout: Duration = 30.0

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        return _check_env_name(value)

    @field_validator("schema_name")
    @classmethod
    def _schema(cls, value: str) -> str:
        if value and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
            raise ValueError(f'"{value}" is not a schema name (lower-case letters, digits, "_")')
        return value

    @model_validator(mode="after")
    def _url_for_postgresql(self) -> StoreSettings:
        if self.backend == "postgresql":
            if not self.url.startswith(("postgresql://", "postgres://")):
                raise ValueError('backend "postgresql" needs url = "postgresql://user@host/db"')
            if urlsplit(self.url).password:
                raise ValueError(
                    "url holds a password: put it in an environment variable named by"
                    " password_env instead (secrets are never written in the config)"
                )
        return self


class QueueSettings(_Section):
    backend: Literal["sqlite", "rabbitmq", "redis", "nats"] = "sqlite"
    url: str = ""
    name: str = "monitor-posts"
    exchange: str = ""
    maxlen: int = Field(default=1_000_000, ge=1)
    publish_timeout: Duration = 10.0
    batch: int = Field(default=100, ge=1)

    @field_validator("url")
    @classmethod
    def _broker_url(cls, value: str) -> str:
        # The url may hold a password: messages name what is wrong, never a part of it.
        if value:
            problem = broker_url_problem(value)
            if problem:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _url_for_broker(self) -> QueueSettings:
        schemes = {
            "rabbitmq": ("amqp://", "amqps://"),
            "redis": ("redis://", "rediss://"),
            "nats": ("nats://", "tls://"),
        }
        if self.backend in schemes:
            if not self.url:
                raise ValueError(
                    f'backend "{self.backend}" needs a url like "{schemes[self.backend][0]}..."'
                )
            if not self.url.startswith(schemes[self.backend]):
                raise ValueError(
                    f'url for backend "{self.backend}" must start with {" or ".join(schemes[self.backend])}'
                )
        return self


class SmtpSettings(_Section):
    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    tls: bool = False
    username: str = ""
    password_env: str = ""
    timeout: Duration = 30.0

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        return _check_env_name(value)


class DigestSettings(_Section):
    enabled: bool = True
    delivery: Literal["smtp", "file", "maildir"] = "file"
    send_at: str = "07:00"
    to: tuple[str, ...] = ()
    sender: str = Field(default="monitor@localhost", alias="from")
    smtp: SmtpSettings = SmtpSettings()
    templates: Path | None = None
    out_dir: Path | None = None
    list_id: str = "monitor digest <digest.monitor.localhost>"
    max_html_bytes: int = Field(default=100_000, ge=10_000)
    max_text_bytes: int = Field(default=1_000_000, ge=10_000)
    retry_every: Duration = 300.0

    @field_validator("send_at")
    @classmethod
    def _clock(cls, value: str) -> str:
        try:
            dtime.fromisoformat(value)
        except ValueError:
            raise ValueError(f'"{value}" is not a time of day like "07:00"') from None
        return value

    @model_validator(mode="after")
    def _recipients(self) -> DigestSettings:
        if self.delivery == "smtp" and not self.to:
            raise ValueError('delivery "smtp" needs at least one address in `to`')
        return self

    @property
    def send_time(self) -> dtime:
        return dtime.fromisoformat(self.send_at)


def loopback_host(host: str) -> bool:
    """Whether a host (`127.0.0.1`, `[::1]`, `localhost`) is this machine's loopback."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other host name may resolve anywhere


def is_loopback(address: str) -> bool:
    """Whether `host:port` listens on the loopback only (127.0.0.0/8, ::1, localhost)."""
    return loopback_host(address.rpartition(":")[0])


AlertEvent = Literal["new", "edited", "deleted"]


def _webhook_url(value: str) -> bool:
    """https anywhere; plain http only to a loopback address (a local relay, a test receiver)."""
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        return False
    if not host or any(c.isspace() for c in value):
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and loopback_host(host)


class AlertSettings(_Section):
    """One watch term: a query of the search language, and where its matches go."""

    name: str
    query: str
    to: tuple[str, ...] = ()
    webhook: str = ""
    secret_env: str = ""
    on: tuple[AlertEvent, ...] = ("new", "edited", "deleted")
    max_per_hour: int = Field(default=20, ge=1)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value, "alert")

    @field_validator("query")
    @classmethod
    def _query(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty: write the words to watch, e.g. 'sanciones OR санкции'")
        # Imported here: the query parser itself reads this module (its platform names).
        from monitor.search.query import parse_query

        try:
            parse_query(value)
        except QueryError as error:
            raise ValueError(f"{error.args[0]}, in {value!r}") from None
        return value

    @field_validator("secret_env")
    @classmethod
    def _secret_env(cls, value: str) -> str:
        return _check_env_name(value)

    @field_validator("webhook")
    @classmethod
    def _webhook(cls, value: str) -> str:
        if value and not _webhook_url(value):
            raise ValueError(
                f'"{value}" is not an https URL (plain http is allowed only to 127.0.0.1)'
            )
        return value

    @model_validator(mode="after")
    def _somewhere(self) -> AlertSettings:
        if not self.to and not self.webhook:
            raise ValueError("needs `to` (e-mail addresses) or `webhook`, or both")
        if self.webhook and not self.secret_env:
            raise ValueError(
                "`webhook` needs `secret_env`, the variable holding the signing secret"
            )
        if not self.on:
            raise ValueError('`on` is empty: list "new", "edited" and/or "deleted"')
        return self


class WebSettings(_Section):
    """The analysts' read-only web view (monitor.web)."""

    listen: str = "127.0.0.1:8788"
    public_url: str = ""
    username: str = ""
    password_env: str = ""
    trust_proxy: bool = False
    page_size: int = Field(default=30, ge=1, le=500)

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        if value and not re.fullmatch(r"[\w.\-\[\]:]+:\d{1,5}", value):
            raise ValueError(f'"{value}" is not host:port like "127.0.0.1:8788" (or "" for off)')
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f'"{value}" is not an http(s) URL like "https://monitor.example.org"')
        return value.rstrip("/")

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        return _check_env_name(value)

    @model_validator(mode="after")
    def _protected(self) -> WebSettings:
        if bool(self.username) != bool(self.password_env):
            raise ValueError(
                "HTTP basic auth needs both `username` and `password_env` (the variable"
                " holding the password), or neither"
            )
        if self.listen and not is_loopback(self.listen) and not self.authenticates:
            raise ValueError(
                f'listen "{self.listen}" is not a loopback address, so the web view needs'
                " protecting: set `username` and `password_env` for HTTP basic auth, or"
                " `trust_proxy = true` when a reverse proxy in front authenticates"
                " (deploy/README.md shows one)"
            )
        return self

    @property
    def authenticates(self) -> bool:
        """Whether someone checks who is asking: this server (basic auth) or a proxy."""
        return bool(self.username and self.password_env) or self.trust_proxy


class SourceSettings(_Section):
    name: str
    platform: Platform
    handle: str = ""
    url: str = ""
    base_url: str = ""
    every: Duration = 600.0
    jitter: Duration | None = None
    token_env: str = ""
    backfill: int = Field(default=50, ge=0, le=10_000)
    max_age: Duration | None = None
    enabled: bool = True
    deletions: bool | None = None
    recheck_every: Duration = 3600.0
    recheck_window: Annotated[str, BeforeValidator(parse_recheck_window)] = "7d"
    # Who is behind the source, for statements: one organisation's accounts (its Russian,
    # Spanish and English channels) publish translations of each other. Default: the name.
    organisation: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value, "source")

    @field_validator("token_env")
    @classmethod
    def _token_env(cls, value: str) -> str:
        return _check_env_name(value)

    @field_validator("url", "base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f'"{value}" is not an http(s) URL')
        return value

    @model_validator(mode="after")
    def _platform_needs(self) -> SourceSettings:
        if self.platform == "rss" and not self.url:
            raise ValueError('an "rss" source needs `url`')
        if self.platform != "rss" and not self.handle:
            raise ValueError(f'a "{self.platform}" source needs `handle`')
        if self.platform == "x" and not self.token_env:
            raise ValueError(
                'an "x" source needs `token_env`, the environment variable holding the bearer token'
            )
        return self

    @property
    def jitter_seconds(self) -> float:
        return self.jitter if self.jitter is not None else min(self.every * 0.1, 60.0)

    @property
    def rechecks(self) -> bool:
        """Whether recent posts are re-checked for deletions (X reads are billed: opt-in)."""
        if self.deletions is not None:
            return self.deletions
        return self.platform in RECHECK_BY_DEFAULT

    @property
    def recheck_count(self) -> int | None:
        """`recheck_window` as a number of most recent posts, when it is one."""
        return int(self.recheck_window) if self.recheck_window.isdecimal() else None

    @property
    def recheck_seconds(self) -> float | None:
        """`recheck_window` as a duration in seconds, when it is one."""
        return None if self.recheck_window.isdecimal() else parse_duration(self.recheck_window)


class ClusterSettings(_Section):
    """Several `monitor run` processes on one PostgreSQL store share the work through leases:
    what an instance holds passes to the others `lease` after its last heartbeat."""

    lease: Duration = 60.0
    instance_id: str = ""  # default: <host name>-<process id>

    @field_validator("lease")
    @classmethod
    def _lease(cls, value: float) -> float:
        if value < 1.0:
            raise ValueError("must be at least 1s: instances heartbeat four times a lease")
        return value

    @field_validator("instance_id")
    @classmethod
    def _instance_id(cls, value: str) -> str:
        return _check_name(value, "instance") if value else value


class Settings(_Section):
    monitor: MonitorSettings = MonitorSettings()
    store: StoreSettings = StoreSettings()
    cluster: ClusterSettings = ClusterSettings()
    languages: LanguageSettings = LanguageSettings()
    translation: TranslationSettings = TranslationSettings()
    queue: QueueSettings = QueueSettings()
    statements: StatementSettings = StatementSettings()
    digest: DigestSettings = DigestSettings()
    alerts: tuple[AlertSettings, ...] = ()
    web: WebSettings = WebSettings()
    sources: tuple[SourceSettings, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        for kind, names in (
            ("sources", [source.name for source in self.sources]),
            ("alerts", [alert.name for alert in self.alerts]),
        ):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    raise ValueError(f'two {kind} are named "{name}"; names must be unique')
                seen.add(name)
        return self

    def source(self, name: str) -> SourceSettings:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f'no source named "{name}" (configured: {known})', remedy="")


def _check_name(value: str, kind: str) -> str:
    if not _SOURCE_NAME.fullmatch(value):
        article = "an" if kind[0] in "aeiou" else "a"
        raise ValueError(f'"{value}" is not {article} {kind} name (letters, digits, ".", "_", "-")')
    return value


def _check_env_name(value: str) -> str:
    if value and not _ENV_NAME.fullmatch(value):
        # Not quoted: a mistaken value here is often the secret itself.
        raise ValueError(
            "is not an environment variable name like MONITOR_SMTP_PASSWORD (name the"
            " variable that holds the secret; secrets are never written in the config)"
        )
    return value


def secret_from_env(variable: str) -> str | None:
    """The secret held by an environment variable named in the config, or None."""
    value = os.environ.get(variable, "") if variable else ""
    return value or None


def required_secret(
    variable: str, key: str, error: type[MonitorError] = ConfigError, *, purpose: str = ""
) -> str:
    """The secret in `$variable` (named by the config key `key`), registered so that no log
    line shows it; `error` when the variable is not set (`purpose` says what goes without)."""
    secret = secret_from_env(variable)
    if secret is None:
        raise error(
            f"{key}: ${variable} is not set in this environment{purpose}",
            remedy=f"export {variable}=... before starting the monitor",
        )
    register_secret(secret)
    return secret


def format_location(loc: tuple[int | str, ...]) -> str:
    """`("sources", 2, "every")` -> `sources[2].every`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.startswith(("function-after", "function-before", "function-wrap")):
            continue
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


def describe_errors(error: ValidationError) -> list[str]:
    problems: list[str] = []
    for entry in error.errors():
        location = format_location(tuple(entry["loc"]))
        kind = entry["type"]
        if kind == "extra_forbidden":
            message = "unknown key (check its spelling against config/monitor.example.toml)"
        elif kind == "missing":
            message = "is required"
        elif secret_location(tuple(entry["loc"])):
            message = "is not valid (its value is not shown: the key looks like a secret)"
        else:
            message = redact(mask_credentials(str(entry["msg"]).removeprefix("Value error, ")))
        problems.append(f"{location}: {message}")
    return problems


class ConfigProblems(ConfigError):
    """The config is readable but invalid; `problems` lists each one with its key path."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        summary = f"{path}: {len(problems)} problem(s) in the config"
        super().__init__(summary, remedy="")


def parse_settings(data: Mapping[str, Any], path: Path) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        raise ConfigProblems(path, describe_errors(error)) from None


def load_settings(path: Path | str | None = None) -> Settings:
    """Read and validate the config file. Relative `data_dir` is kept relative to the CWD."""
    config_path = Path(path or os.environ.get("MONITOR_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = config_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"config file {config_path} does not exist",
            remedy="pass --config PATH or set MONITOR_CONFIG; config/monitor.example.toml shows every key",
        ) from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {config_path}: {error.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{config_path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_path} is not valid TOML: {error}") from None
    return parse_settings(data, config_path)
