"""Small helpers shared by the models."""

import enum
from datetime import UTC, datetime

from sqlalchemy import Enum


def utcnow() -> datetime:
    """Current time in UTC (stored naive-free as timezone-aware)."""
    return datetime.now(UTC)


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A string column limited to the enum's values by a named CHECK constraint."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
