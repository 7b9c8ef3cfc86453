"""Politeness per host: how fast to ask (pacing) and how many at once (scheduling).

A host that answers 429 or 503 is paused for its Retry-After; one that keeps refusing is
slowed for the rest of the run to the pace it was seen to accept.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class HostPacer:
    """Spaces requests to one host; pauses when it says 429/503 and, if it keeps saying so, slows for good."""

    def __init__(self, interval: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.interval = interval
        self.next_at = 0.0
        self._pause_end: float | None = None
        self._refusals = 0
        self._adapted_at: float | None = None
        self._accepted: deque[float] = deque(maxlen=512)

    def ready_at(self) -> float:
        return self.next_at

    def wait(self, deadline: float) -> float | None:
        """Block until this host may be asked again and return that time; None if it is past ``deadline``."""
        while True:
            with self._lock:
                now = time.monotonic()
                if self.next_at <= now:
                    self.next_at = now + self.interval
                    return now
                until = self.next_at
            if until >= deadline:
                return None
            # Re-check after sleeping: a 429 seen meanwhile may have pushed next_at further out.
            time.sleep(until - now)

    def accepted(self, granted: float) -> None:
        with self._lock:
            self._accepted.append(granted)

    def _peak(self, window: float) -> int:
        times, best, start = sorted(self._accepted), 0, 0
        for end, t in enumerate(times):
            while times[start] <= t - window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def limited(self, pause: float, granted: float) -> bool:
        """The host refused a request sent at ``granted`` for ``pause`` s; True if the whole host now waits."""
        with self._lock:
            self._refusals += 1
            if self._refusals == 1:
                return False  # one refusal may be about one busy page: only that URL waits
            # A refusal of a request sent after a pause had ended means pausing is not enough: the
            # host enforces a rate. The most it ever accepted within one window is the allowance it
            # has shown; 2% margin because pacing at exactly the limit loses requests to jitter.
            if self._pause_end is not None and granted >= self._pause_end:
                window = max(pause, 1.0)
                target = window / max(self._peak(window), 1) * 1.02
                if self._adapted_at is None or self.interval < target:
                    self.interval, self._adapted_at = max(self.interval, target), time.monotonic()
                elif granted >= self._adapted_at:  # refused even at that pace: a burst overstated the rate
                    self.interval, self._adapted_at = self.interval * 1.1, time.monotonic()
            self.next_at = max(self.next_at, time.monotonic() + pause)
            self._pause_end = self.next_at
            return True


class HostScheduler(Generic[T]):
    """Runs work items on threads, never more than a host's limit at once, paused hosts left idle."""

    def __init__(self, items: Iterable[tuple[str, T]], limit: Callable[[str], int], ready_at: Callable[[str], float]) -> None:
        self._pending: dict[str, deque[T]] = {}
        for host, item in items:
            self._pending.setdefault(host, deque()).append(item)
        self._inflight: dict[str, int] = dict.fromkeys(self._pending, 0)
        self._limit, self._ready_at = limit, ready_at
        self._cond = threading.Condition()
        self._started: list[T] = []

    def _take(self, deadline: float) -> T | None:
        with self._cond:
            while True:
                now = time.monotonic()
                if now >= deadline or not self._pending:
                    return None
                soonest = deadline
                for host in list(self._pending):
                    if self._inflight[host] >= self._limit(host):
                        continue
                    ready = self._ready_at(host)
                    if ready <= now:
                        queue = self._pending.pop(host)
                        item = queue.popleft()
                        if queue:  # re-insert at the end: round-robin across hosts
                            self._pending[host] = queue
                        self._inflight[host] += 1
                        return item
                    soonest = min(soonest, ready)
                self._cond.wait(timeout=min(soonest - now, 0.5))

    def run(self, work: Callable[[T], str], workers: int, deadline: float) -> list[T]:
        """Run ``work`` (which returns the item's host) until done or ``deadline``; return unfinished items.

        Threads still inside a request at the deadline are left to their own timeouts (they are
        daemons): the run answers on time with what it knows instead of waiting for them.
        """
        running: set[int] = set()

        def loop() -> None:
            while (item := self._take(deadline)) is not None:
                with self._cond:
                    running.add(id(item))
                    self._started.append(item)
                host = work(item)
                with self._cond:
                    running.discard(id(item))
                    self._inflight[host] -= 1
                    self._cond.notify_all()

        threads = [threading.Thread(target=loop, daemon=True, name=f"links-{i}") for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + 0.05)
        with self._cond:
            unfinished = [item for item in self._started if id(item) in running]
            return unfinished + [item for queue in self._pending.values() for item in queue]
