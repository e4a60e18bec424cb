"""CloudWatch Logs in moto's handler, with the reads moto computes wrongly done right.

moto keeps the log groups (the store :mod:`helpers.emulator.logs.feed` writes into) and
serves every operation; this handler takes over three:

- ``FilterLogEvents``: moto reads a filter pattern as one term; here the pattern's terms
  are matched as CloudWatch matches them (:mod:`helpers.emulator.logs.filter_pattern`),
  events come oldest first across the group's streams, and ``nextToken`` pages on;
- ``StartQuery`` and ``GetQueryResults``: moto ignores ``filter`` and ``stats``; here a
  query is run at start by :mod:`helpers.emulator.logs.insights` and its rows kept for
  ``GetQueryResults`` (the last :data:`KEPT_QUERIES` queries), ``Complete`` at once.

A query of a group that does not exist is ``ResourceNotFoundException``, as AWS answers
(``agentcore traces list`` then says the agent "may not have been invoked yet").
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections import OrderedDict
from typing import Any

from moto.logs.exceptions import (
    InvalidParameterException,
    LogsClientError,
    ResourceNotFoundException,
)
from moto.logs.responses import LogsResponse

from helpers.emulator.logs import filter_pattern, insights, insights_terms

KEPT_QUERIES = 100
# FilterLogEvents returns at most this many events per page (CloudWatch's own maximum).
MAX_PAGE_EVENTS = 10_000


class MalformedQueryException(LogsClientError):
    def __init__(self, message: str) -> None:
        super().__init__("MalformedQueryException", message)


class QueryResults:
    """The rows of the last queries, by query id; shared by every request's handler."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: OrderedDict[str, insights.QueryResult] = OrderedDict()

    def keep(self, result: insights.QueryResult) -> str:
        query_id = str(uuid.uuid4())
        with self._lock:
            self._results[query_id] = result
            while len(self._results) > KEPT_QUERIES:
                self._results.popitem(last=False)
        return query_id

    def get(self, query_id: str) -> insights.QueryResult | None:
        with self._lock:
            return self._results.get(query_id)


class AgentCoreLogsResponse(LogsResponse):
    """moto's CloudWatch Logs handler, with filter patterns and Logs Insights computed."""

    def __init__(self, queries: QueryResults) -> None:
        super().__init__()
        self._queries = queries

    def filter_log_events(self) -> str:
        group = self._group(
            self._get_param("logGroupName") or self._get_param("logGroupIdentifier")
        )
        try:
            matches = filter_pattern.matcher(self._get_param("filterPattern"))
        except filter_pattern.UnsupportedPattern as error:
            raise InvalidParameterException(str(error)) from None
        names = self._get_param("logStreamNames") or None
        prefix = self._get_param("logStreamNamePrefix") or ""
        start = self._get_param("startTime") or 0
        end = self._get_param("endTime") or float("inf")
        events = sorted(
            (
                {
                    "logStreamName": stream.log_stream_name,
                    "timestamp": event.timestamp,
                    "message": event.message,
                    "ingestionTime": event.ingestion_time,
                    "eventId": str(event.event_id),
                }
                for stream in list(group.streams.values())
                if (names is None or stream.log_stream_name in names)
                and stream.log_stream_name.startswith(prefix)
                for event in list(stream.events)
                if start <= event.timestamp <= end and matches(event.message)
            ),
            key=lambda event: (event["timestamp"], int(event["eventId"])),
        )
        first = _offset(self._get_param("nextToken"))
        size = min(int(self._get_param("limit") or MAX_PAGE_EVENTS), MAX_PAGE_EVENTS)
        page = events[first : first + size]
        answer: dict[str, Any] = {"events": page, "searchedLogStreams": []}
        if first + size < len(events):
            answer["nextToken"] = _token(first + size)
        return json.dumps(answer)

    def start_query(self) -> str:
        names = self._get_param("logGroupNames") or []
        if self._get_param("logGroupName"):
            names = [self._get_param("logGroupName"), *names]
        names += [
            i.rsplit(":log-group:", 1)[-1] for i in self._get_param("logGroupIdentifiers") or []
        ]
        if not names:
            raise InvalidParameterException("Provide a log group name or identifier to query.")
        groups = [self._group(name) for name in names]
        events = [
            insights.Event(
                group=f"{self.current_account}:{group.name}",
                stream=stream.log_stream_name,
                timestamp=event.timestamp,
                ingestion_time=event.ingestion_time,
                message=event.message,
                pointer=_token(event.event_id),
            )
            for group in groups
            for stream in list(group.streams.values())
            for event in list(stream.events)
        ]
        start_ms = int(self._get_param("startTime")) * 1000
        end_ms = int(self._get_param("endTime")) * 1000 + 999
        try:
            result = insights.run(self._get_param("queryString") or "", events, start_ms, end_ms)
        except insights_terms.MalformedQuery as error:
            raise MalformedQueryException(str(error)) from None
        return json.dumps({"queryId": self._queries.keep(result)})

    def get_query_results(self) -> str:
        result = self._queries.get(self._get_param("queryId") or "")
        if result is None:
            raise ResourceNotFoundException("The specified query does not exist.")
        return json.dumps(
            {
                "status": "Complete",
                "results": result.rows,
                "statistics": {
                    "recordsMatched": float(result.records_matched),
                    "recordsScanned": float(result.records_scanned),
                    "bytesScanned": float(result.bytes_scanned),
                },
            }
        )

    def _group(self, name: str | None) -> Any:
        group = self.logs_backend.groups.get((name or "").rsplit(":log-group:", 1)[-1])
        if group is None:
            raise ResourceNotFoundException("The specified log group does not exist.")
        return group


def _token(number: int) -> str:
    """An opaque token for a number: an event's ``@ptr``, a page's ``nextToken``."""
    return base64.urlsafe_b64encode(str(number).encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameterException("The specified nextToken is not valid.") from None
