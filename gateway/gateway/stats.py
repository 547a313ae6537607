"""Aggregated request counters, logged periodically instead of one log line per request."""

from __future__ import annotations


class Stats:
    __slots__ = ("by_class", "requests")

    def __init__(self) -> None:
        self.requests = 0
        self.by_class = [0, 0, 0, 0, 0, 0]

    def count(self, status: int) -> None:
        self.requests += 1
        self.by_class[min(status // 100, 5)] += 1

    def snapshot_and_reset(self) -> dict[str, int]:
        snap = {"requests": self.requests}
        for i, n in enumerate(self.by_class[1:], start=1):
            if n:
                snap[f"{i}xx"] = n
        self.requests = 0
        self.by_class = [0, 0, 0, 0, 0, 0]
        return snap
