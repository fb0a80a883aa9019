"""Counters in the limiter's storage (Redis in production, each worker's memory otherwise) that
the app keeps itself, beside Flask-Limiter's own limits."""

from limits.storage import RedisStorage

from .extensions import limiter


def count_and_read(key: str, expiry: int, other: str) -> tuple[int, int]:
    """Add one to the counter `key` (kept `expiry` seconds) and read the counter `other`: the new
    count and the other's. On Redis both go in one round trip (a pipeline: the hot path of
    every kiosk answer); elsewhere, two calls. Raises whatever the storage raises when down."""
    storage = limiter.storage
    if isinstance(storage, RedisStorage):
        # Plain commands, not limits' increment script: a script in a pipeline costs redis-py a
        # SCRIPT EXISTS round trip of its own. The expiry is set again at each count, harmless
        # for a counter that is only counted in its own minute.
        prefixed = storage.prefixed_key(key)
        pipe = storage.get_connection().pipeline(transaction=False)
        pipe.incrby(prefixed, 1)
        pipe.expire(prefixed, expiry)
        pipe.get(storage.prefixed_key(other))
        current, _expiry_set, read = pipe.execute()
        return int(current), int(read or 0)
    return storage.incr(key, expiry=expiry), storage.get(other)
