"""A small per-process cache of recent values, each kept for a while (TimedCache).

Used where a page may be asked for many times a minute and its figures may lag a little: the
public results and the summary's charts. Nothing depends on another process seeing the same
values (DESIGN §6): each gunicorn worker keeps its own.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class TimedCache:
    """A few recent values, each used for `ttl` seconds after it was made, the least recently
    used dropped beyond `size`.

    Thread-safe; while one thread makes a value, others asking for the same key wait for it
    rather than all computing the same summary when an entry expires under load."""

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict = OrderedDict()  # key → (made at, value)
        self._making: dict = {}  # key → the lock held by the thread making it

    def _fresh(self, key, ttl: float):
        """The entry kept under key if it is younger than ttl (call with the lock held)."""
        entry = self._items.get(key)
        if entry is None or time.monotonic() - entry[0] >= ttl:
            return None
        self._items.move_to_end(key)
        return entry

    def get(self, key, ttl: float, make: Callable[[], object]):
        """The value under key, made (once, whoever asks meanwhile) when missing or expired."""
        with self._lock:
            entry = self._fresh(key, ttl)
            if entry is not None:
                return entry[1]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                entry = self._fresh(key, ttl)
            if entry is not None:
                return entry[1]
            try:
                value = make()
                self.put(key, value)
            finally:
                with self._lock:
                    self._making.pop(key, None)
            return value

    def put(self, key, value) -> None:
        """Keep value under key, made now."""
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
