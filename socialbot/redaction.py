"""No secret in any log line: a filter on every handler removes configured secrets and the usual
token shapes, and chatty client libraries stay at INFO under -v (tweepy and urllib3 log whole
Authorization headers and `access_token=` URLs at DEBUG)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from socialbot.networks import NETWORKS

if TYPE_CHECKING:
    from socialbot.config import Config

REDACTED = "<redacted>"
# Secrets too short to be worth hiding would blank out ordinary words.
MIN_LENGTH = 6
# Environment variables whose values are secrets even when feeds.toml does not name them.
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|ALERT_URLS)", re.I)
PATTERNS = [
    # Authorization: Bearer …, OAuth oauth_consumer_key="…", Basic …
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?\s*(?:bearer|basic|oauth)\s+)[^'\"\n]+"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    # access_token=…, appsecret_proof=…, password=… in URLs and bodies
    re.compile(
        r"(?i)\b((?:access_token|appsecret_proof|client_secret|password|app_password|refresh_token)=)[^&\s'\",]+"
    ),
    # oauth_token="…", oauth_signature="…" (OAuth 1.0a headers and bodies)
    re.compile(r"(?i)\b(oauth_(?:token|signature|consumer_key|verifier|token_secret)=\"?)[^&\s'\",]+"),
    # a password in a database or notification URL: scheme://user:password@host
    re.compile(r"([a-z][a-z0-9+.-]*://[^\s:/@]+:)[^\s@/]+(@)"),
]
# Logged at DEBUG with credentials in them; kept at INFO unless -vv, and at WARNING without -v (httpx
# logs every request at INFO: a line per source per round).
CHATTY = (
    "urllib3",
    "requests_oauthlib",
    "oauthlib",
    "httpx",
    "httpcore",
    "tweepy",
    "facebook",
    "atproto",
    "mastodon",
    "hpack",
)


class RedactSecrets(logging.Filter):
    """Rewrites each record's message with every known secret and token shape replaced."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str]) -> None:
        """Secrets to hide from now on (environment values, the sandbox's fakes)."""
        fresh = {v for v in values if v and len(v) >= MIN_LENGTH} - self.secrets
        if fresh:
            self.secrets |= fresh
            # Longest first, so a secret that contains another is hidden whole.
            ordered = sorted(self.secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def redact(self, text: str) -> str:
        """text with every secret and token shape replaced by <redacted>."""
        if self._pattern is not None:
            text = self._pattern.sub(REDACTED, text)
        for pattern in PATTERNS:
            text = pattern.sub(
                lambda m: m.group(1) + REDACTED + (m.group(2) if m.lastindex and m.lastindex > 1 else ""),
                text,
            )
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


REDACTOR = RedactSecrets()


def secret_values(env: Mapping[str, str]) -> list[str]:
    """The values of every environment variable whose name says it holds a secret, and URL passwords."""
    values = [v for k, v in env.items() if SECRET_NAME.search(k)]
    values += [m.group(1) for v in env.values() for m in re.finditer(r"://[^\s:/@]+:([^\s@/]+)@", v)]
    return [part for v in values for part in v.split()]


def install(verbose: int, env: Mapping[str, str]) -> None:
    """Put the filter on every handler of the root logger; quieten chatty libraries below -vv (and
    their every-request lines without -v)."""
    REDACTOR.add(secret_values(env))
    for handler in logging.getLogger().handlers:
        if REDACTOR not in handler.filters:
            handler.addFilter(REDACTOR)
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    for name in CHATTY:
        logging.getLogger(name).setLevel(level)


def configured_secrets(config: Config, env: Mapping[str, str]) -> list[str]:
    """Every secret feeds.toml names (each account's credentials, the read tokens) as env holds it,
    and the sandbox's fake ones, which are secrets' stand-ins in every log a sandbox run writes."""
    from socialbot.networks.credentials import sandbox_credentials

    names = {v for a in config.accounts for v in a.credentials.values()}
    names |= {getattr(config.network(n), key) for n, info in NETWORKS.items() for key in info.read_secrets}
    values = [env.get(name, "") for name in names if name]
    return values + list(sandbox_credentials(config).values())
