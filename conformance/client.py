"""The one way the suite talks to a target: auth, timeout, pacing, transcript, automatic checks.

Tests never build URLs or headers and never call ``requests`` themselves. Every response passes
through ``checks.AUTOMATIC`` (no 5xx, JSON where documented, the schema of its operation and
status) before a test sees it, and every exchange lands in the transcript with the keys masked,
so a failure in the report always carries the evidence and never a secret.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from conformance import checks, contract
from conformance.targets import Credentials, Target, secret_forms

MASK = "***"


class Masker:
    """Replaces every secret of a run by a placeholder, wherever it appears in text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = secret_forms(secrets)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text


@dataclass
class Exchange:
    """One request and its response, as the report shows them (secrets already masked)."""

    method: str
    url: str
    operation: str | None
    request_headers: dict[str, str]
    request_body: str | None
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    text: str | None = None
    json: Any = None
    json_error: str | None = None
    elapsed_s: float = 0.0
    attempt: int = 1
    note: str = ""
    # the URL as sent (unmasked), to resolve relative links against; never shown
    sent_url: str = field(default="", repr=False)

    def summary(self, limit: int = 1200) -> str:
        body = self.text if self.text is not None else ""
        if len(body) > limit:
            body = body[:limit] + f"... ({len(self.text or '')} chars)"
        lines = [f"{self.method} {self.url}"]
        if self.request_body:
            lines.append(f"request body: {self.request_body[:limit]}")
        answer = f"-> {self.status}" if self.status else "-> no answer"
        lines.append(
            f"{answer} {self.response_headers.get('content-type', '')}"
            f" in {self.elapsed_s * 1000:.0f} ms"
            + (f" (attempt {self.attempt})" if self.attempt > 1 else "")
            + (f"; {self.note}" if self.note else "")
        )
        if body:
            lines.append(body)
        return "\n".join(lines)


class Transcript:
    """Every exchange of the run, in order; tests and the report read slices of it."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def append(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def mark(self) -> int:
        return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        return self.exchanges[mark:]


class Pacer:
    """Spaces requests so the run never exceeds ``max_rps`` (0: no pacing)."""

    def __init__(self, max_rps: float) -> None:
        self._interval = 1.0 / max_rps if max_rps > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


class BudgetExhausted(Exception):
    """The run's request budget is spent; the remaining tests are skipped, not failed."""


class Budget:
    """Caps the requests a run sends to a target (None: no cap), polite to shared sandboxes."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.sent = 0
        self._lock = threading.Lock()

    def spend(self) -> None:
        with self._lock:
            if self.limit is not None and self.sent >= self.limit:
                raise BudgetExhausted(f"request budget of {self.limit} spent")
            self.sent += 1


class WritesRefused(Exception):
    """A write to a target that must not receive any (read_only, or looks like production)."""


Observer = Callable[[str, str], None]


class Client:
    """Sends documented operations to one target with one key."""

    def __init__(
        self,
        target: Target,
        api_key: str | None,
        *,
        credentials: Credentials,
        transcript: Transcript,
        pacer: Pacer,
        budget: Budget | None = None,
        observe: Observer | None = None,
        on_created: Callable[[int, int, Any], None] | None = None,
        on_deleted: Callable[[int, int], None] | None = None,
        owns: Callable[[int, Any], bool] | None = None,
        channel_id: int | None = None,
        retries: int = 3,
        writes_refused: str | None = None,
    ) -> None:
        self.target = target
        self.channel_id = channel_id if channel_id is not None else target.channel_id
        self._api_key = api_key
        self._owner_key = api_key
        self._mask = Masker(credentials.secrets)
        self._transcript = transcript
        self._pacer = pacer
        self._budget = budget or Budget()
        self._observe = observe or (lambda kind, text: None)
        # told of every request a create made and every delete that took, so what a test
        # creates is deleted at teardown even when the test did not expect it to be created
        self._on_created = on_created or (lambda channel, id, order_item: None)
        self._on_deleted = on_deleted or (lambda channel, id: None)
        self._owns = owns or (lambda channel, id: False)
        self.retries = retries
        # the last guard of a target that must receive no write, whatever a test asks
        self.writes_refused = writes_refused
        self._session = requests.Session()
        # requests reads proxies and the CA bundle from the environment on every request (about
        # a millisecond with a large environment); read them once, for this target, instead
        settings = self._session.merge_environment_settings(target.base_url, {}, None, None, None)
        self._session.proxies.update(settings["proxies"] or {})
        self._session.verify = settings["verify"]
        self._session.trust_env = False
        self._session.headers["Accept"] = "application/json"
        self._session.headers["User-Agent"] = "cancellation-contract"

    def with_key(self, api_key: str | None) -> Client:
        """The same target and transcript, another key (``None``: no credentials)."""
        return self._sibling(api_key=api_key)

    def in_channel(self, channel_id: int) -> Client:
        """The same key, addressing another channel's paths."""
        return self._sibling(channel_id=channel_id)

    def _sibling(self, **changes: Any) -> Client:
        other = Client.__new__(Client)
        other.__dict__.update(self.__dict__)
        if "api_key" in changes:
            other._api_key = changes["api_key"]
        if "channel_id" in changes:
            other.channel_id = changes["channel_id"]
        if "budget" in changes:
            other._budget = changes["budget"]
        return other

    def unbudgeted(self) -> Client:
        """The same client outside the request budget: cleanup must happen even past it."""
        return self._sibling(budget=Budget())

    def close(self) -> None:
        self._session.close()

    # --- the nine operations ------------------------------------------------------------------

    def list(self, **query: Any) -> Exchange:
        return self.call("list", query=query)

    def detailed_list(self, **query: Any) -> Exchange:
        return self.call("detailed_list", query=query)

    def create(self, body: Any, **kwargs: Any) -> Exchange:
        return self.call("create", json_body=body, **kwargs)

    def retrieve(self, id: Any) -> Exchange:
        return self.call("retrieve", id=id)

    def detailed_retrieve(self, id: Any) -> Exchange:
        return self.call("detailed_retrieve", id=id)

    def update(self, id: Any, body: Any, **kwargs: Any) -> Exchange:
        return self.call("update", id=id, json_body=body, **kwargs)

    def partial_update(self, id: Any, body: Any, **kwargs: Any) -> Exchange:
        return self.call("partial_update", id=id, json_body=body, **kwargs)

    def delete(self, id: Any) -> Exchange:
        return self.call("delete", id=id)

    def reject(self, id: Any) -> Exchange:
        return self.call("reject", id=id)

    def pages(self, operation: str, query: Mapping[str, Any], *, most: int = 50) -> list[Exchange]:
        """Page 1 of a list and every page its ``next`` links lead to (at most ``most``)."""
        return self._chain(operation, self.call(operation, query=query), "next", most)

    def pages_back(self, operation: str, last: Exchange, *, most: int = 50) -> list[Exchange]:
        """``last`` and every page its ``previous`` links lead to, back to page 1."""
        return self._chain(operation, last, "previous", most)

    def _chain(self, operation: str, first: Exchange, link: str, most: int) -> list[Exchange]:
        pages = [first]
        while len(pages) < most and isinstance(pages[-1].json, dict) and pages[-1].json.get(link):
            pages.append(self.follow(operation, pages[-1].json[link], pages[-1]))
        return pages

    def follow(self, operation: str, url: str, page: Exchange | None = None) -> Exchange:
        """GET a ``next``/``previous`` link as given: absolute, or relative to the page it came
        from (or to the base URL when the page is not known)."""
        base = page.sent_url if page is not None and page.sent_url else self.target.base_url + "/"
        return self._send(operation, "GET", urljoin(base, url), None, {}, None)

    # --- plumbing -------------------------------------------------------------------------------

    def url(self, operation: str, id: Any = None, query: Mapping[str, Any] | None = None) -> str:
        path = contract.OPERATIONS[operation].path.format(channel_id=self.channel_id, id=id)
        url = self.target.base_url + path
        if query:
            url += "?" + urlencode({k: _query_value(v) for k, v in query.items()})
        return url

    def call(
        self,
        operation: str,
        *,
        id: Any = None,
        query: Mapping[str, Any] | None = None,
        json_body: Any = None,
        raw_body: bytes | str | None = None,
        content_type: str | None = None,
        outside_contract: bool = False,
    ) -> Exchange:
        """Send one operation. ``outside_contract``: the request is outside the documented
        domain (an id that is not an integer, say), where a framework may answer before the API
        does; only the no-5xx check applies then."""
        method = contract.OPERATIONS[operation].method
        headers: dict[str, str] = {}
        data: bytes | None = None
        if raw_body is not None:
            data = raw_body.encode() if isinstance(raw_body, str) else raw_body
            headers["Content-Type"] = content_type or "application/json"
        elif json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode()
            headers["Content-Type"] = content_type or "application/json"
        return self._send(
            operation, method, self.url(operation, id, query), data, headers, id, outside_contract
        )

    def _send(
        self,
        operation: str | None,
        method: str,
        url: str,
        data: bytes | None,
        headers: dict[str, str],
        id: Any,
        outside_contract: bool = False,
    ) -> Exchange:
        if self._api_key is not None:
            scheme = self.target.auth_scheme
            headers["Authorization"] = f"{scheme} {self._api_key}" if scheme else self._api_key
        # Retried: GET, and DELETE of what the suite created, on a reset connection or a
        # 502/503/504 (the target's plumbing, not its contract); any method on a 429, which
        # says the request was not processed. Never a create or reject otherwise, never a
        # contract failure, never a timeout (a hung target would take the run down with it).
        if method != "GET" and self.writes_refused:
            raise WritesRefused(self.writes_refused)
        idempotent = method == "GET" or (method == "DELETE" and self._owns(self.channel_id, id))
        attempt = 0
        while True:
            attempt += 1
            exchange, error = self._attempt(operation, method, url, data, headers, attempt)
            delay = self._retry_delay(exchange, error, idempotent, attempt)
            if delay is None:
                break
            exchange.note = f"retried after {delay:.2f} s"
            self._transcript.append(exchange)
            time.sleep(delay)
        if error is None and self._slash_redirect(method, exchange):
            # the documented path answered "add a slash": a form the documentation does not
            # forbid (D3); follow it once and say so
            exchange.note = "redirected to the path with a trailing slash"
            self._transcript.append(exchange)
            self._observe("trailing slash", f"{operation}: {method} redirects to the slashed path")
            path, _, query = url.partition("?")
            slashed = path + "/" + (f"?{query}" if query else "")
            return self._send(operation, method, slashed, data, headers, id, outside_contract)
        self._transcript.append(exchange)
        if isinstance(error, requests.Timeout):
            raise checks.ContractViolation(
                "Request timed out",
                documented="an answer",
                received=f"timed out after {self.target.timeout_s:g} s",
                exchange=exchange,
            )
        if error is not None:
            raise checks.TargetUnusable(describe_failure(method, exchange.url, error, self._mask))
        self._track(operation, exchange, id)
        for check in (checks.not_a_server_error,) if outside_contract else checks.AUTOMATIC:
            check(exchange)
        for message in checks.undocumented_values(exchange):
            self._observe("undocumented status values", f"{operation} {exchange.status}: {message}")
        extras = checks.undocumented_fields(exchange)
        if extras:
            self._observe(
                "undocumented fields",
                f"{operation} {exchange.status}: " + ", ".join(sorted(set(extras))[:10]),
            )
        return exchange

    def _attempt(
        self,
        operation: str | None,
        method: str,
        url: str,
        data: bytes | None,
        headers: dict[str, str],
        attempt: int,
    ) -> tuple[Exchange, requests.RequestException | None]:
        exchange = Exchange(
            method=method,
            url=self._mask(url),
            operation=operation,
            request_headers={
                k: (MASK if k.lower() == "authorization" else self._mask(v))
                for k, v in headers.items()
            },
            request_body=self._mask(data.decode("utf-8", "replace")) if data else None,
            attempt=attempt,
            sent_url=url,
        )
        self._budget.spend()
        self._pacer.wait()
        started = time.perf_counter()
        try:
            response = self._session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=self.target.timeout_s,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            exchange.elapsed_s = time.perf_counter() - started
            return exchange, exc
        except BaseException as exc:
            # not the target's doing (a replay with no recorded answer, say): the request still
            # belongs in the transcript, as evidence
            exchange.elapsed_s = time.perf_counter() - started
            exchange.note = f"not sent: {type(exc).__name__}"
            self._transcript.append(exchange)
            raise
        exchange.elapsed_s = time.perf_counter() - started
        exchange.status = response.status_code
        exchange.response_headers = {
            k.lower(): self._mask(v)
            for k, v in response.headers.items()
            if k.lower() != "set-cookie"
        }
        exchange.content = response.content
        # escaped, not replaced: bytes that are not UTF-8 are evidence too
        exchange.text = self._mask(response.content.decode("utf-8", "backslashreplace"))
        if response.content:
            try:
                # from the masked text: a key the server echoes never reaches a failure message
                exchange.json = json.loads(exchange.text)
            except (ValueError, RecursionError) as exc:
                exchange.json_error = f"invalid JSON ({exc})"
        return exchange, None

    def _retry_delay(
        self,
        exchange: Exchange,
        error: requests.RequestException | None,
        idempotent: bool,
        attempt: int,
    ) -> float | None:
        """Seconds to wait before trying again, or None to keep this answer."""
        if attempt > self.retries:
            return None
        if exchange.status == 429:
            return min(retry_after(exchange.response_headers.get("retry-after")), 30.0)
        transient = (
            isinstance(error, requests.ConnectionError) and not isinstance(error, requests.Timeout)
        ) or exchange.status in (502, 503, 504)
        if not (transient and idempotent):
            return None
        return min(0.2 * 2 ** (attempt - 1), 5.0) + random.uniform(0, 0.1)

    @staticmethod
    def _slash_redirect(method: str, exchange: Exchange) -> bool:
        if method != "GET" or exchange.status not in (301, 302, 307, 308):
            return False
        location = urlsplit(exchange.response_headers.get("location", "")).path
        return bool(location) and location == urlsplit(exchange.sent_url).path + "/"

    def _track(self, operation: str | None, exchange: Exchange, id: Any) -> None:
        body = exchange.json
        if operation == "create" and 200 <= exchange.status < 300 and isinstance(body, dict):
            created = body.get("id")
            if isinstance(created, int) and not isinstance(created, bool):
                self._on_created(self.channel_id, created, body.get("order_item"))
        elif (
            operation == "delete"
            and exchange.status in (204, 404)
            and isinstance(id, int)
            and self._api_key == self._owner_key
        ):
            # only the main key's answer says the request is gone: a read-only or missing key's
            # 404 may only mean it may not see it
            self._on_deleted(self.channel_id, id)


def retry_after(value: str | None) -> float:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); 1 s if absent."""
    if not value:
        return 1.0
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def describe_failure(
    method: str, url: str, error: requests.RequestException, mask: Callable[[str], str]
) -> str:
    """One sentence for a request that got no HTTP answer, naming the likely cause."""
    text = mask(str(error))
    if isinstance(error, requests.exceptions.SSLError):
        cause = "TLS error"
    elif (
        "Name or service not known" in text
        or "NameResolutionError" in text
        or ("getaddrinfo failed" in text)
    ):
        cause = "DNS lookup failed"
    elif "Connection refused" in text or "ConnectionRefusedError" in text:
        cause = "connection refused"
    elif "Connection reset" in text or "RemoteDisconnected" in text or "aborted" in text:
        cause = "connection reset"
    else:
        cause = "no HTTP answer"
    return f"{method} {url}: {cause} ({text[:300]})"


def _query_value(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
