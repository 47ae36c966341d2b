"""Polite, persistent calls to a geocoding service: spaced, retried with back-off, never raising.

geopy's ``RateLimiter`` spaces the requests (the public Nominatim allows one a second) and is kept
for that. Its own retries wait a fixed time and, once they are spent, either raise or return the
same None as "no match", losing the reason; so retries are done here instead, with exponential
back-off that honours a server's Retry-After, and the outcome says what went wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from geopy.exc import (
    GeocoderParseError,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.location import Location

from dashboard.model.problems import clip

# Worth another try: timeouts (and 503/504), 429, refused connections, and the plain service
# error geopy raises for 500, 502 and dropped connections. 400/403 and the like are not.
TRANSIENT = (GeocoderTimedOut, GeocoderRateLimited, GeocoderUnavailable)
# A JSON answer of the wrong shape surfaces from the provider's parser as one of these.
SHAPE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


@dataclass(frozen=True, slots=True)
class Answer:
    """One query's outcome: ``answered`` (``location`` None means no match), ``failed`` or
    ``garbage``; ``attempts`` counts the requests made."""

    outcome: Literal["answered", "failed", "garbage"]
    attempts: int
    location: Location | list[Location] | None = None
    detail: str = ""


def is_transient(error: GeocoderServiceError) -> bool:
    return isinstance(error, TRANSIENT) or type(error) is GeocoderServiceError


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {clip(str(error).replace(chr(10), ' '), 120)}"


class RetryingGeocode:
    """Wrap a geocoder's ``geocode`` like ``RateLimiter`` does; calling it returns an Answer."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        min_delay_seconds: float = 1.0,
        max_retries: int = 2,
        backoff_seconds: float = 2.0,
        backoff_factor: float = 2.0,
        max_backoff_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_retries < 0 or min_delay_seconds < 0 or backoff_seconds < 0:
            raise ValueError("max_retries, min_delay_seconds and backoff_seconds must be >= 0")
        self.limited = RateLimiter(func, min_delay_seconds=min_delay_seconds, max_retries=0,
                                   error_wait_seconds=min_delay_seconds, swallow_exceptions=False)
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.backoff_factor = backoff_factor
        self.max_backoff_seconds = max_backoff_seconds
        self.sleep = sleep

    def wait_before(self, retry: int, error: GeocoderServiceError) -> float:
        """Seconds to wait before retry number ``retry`` (1, 2, ...)."""
        wait = self.backoff_seconds * self.backoff_factor ** (retry - 1)
        retry_after = getattr(error, "retry_after", None) or 0
        return min(max(wait, float(retry_after)), self.max_backoff_seconds)

    def __call__(self, query: str, **options: Any) -> Answer:
        for attempt in range(1, self.max_retries + 2):
            try:
                return Answer("answered", attempt, self.limited(query, **options))
            except GeocoderParseError as error:
                return Answer("garbage", attempt, detail=_describe(error))
            except GeocoderServiceError as error:
                if not is_transient(error):
                    return Answer("failed", attempt, detail=f"{_describe(error)} (not retried)")
                if attempt > self.max_retries:
                    return Answer("failed", attempt, detail=_describe(error))
                self.sleep(self.wait_before(attempt, error))
            except SHAPE_ERRORS as error:
                return Answer("garbage", attempt, detail=_describe(error))
        raise AssertionError("unreachable: the last attempt always returns")
