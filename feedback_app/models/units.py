"""Administrative units, service points (desks), counters, officers and holidays."""

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import str_enum


class UnitLevel(enum.StrEnum):
    """Level of an administrative unit (cấp tỉnh / huyện / xã)."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class AdminUnit(db.Model):
    """Đơn vị hành chính: one version of a unit. Codes are reused, so the key is a surrogate id.

    `path` is the chain of ids from the root ("/1/5/"), kept so that "this unit and all its
    descendants" is one indexed prefix comparison on every database.
    """

    __tablename__ = "admin_units"
    __table_args__ = (UniqueConstraint("code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(160))
    level: Mapped[UnitLevel] = mapped_column(str_enum(UnitLevel, "level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    parent: Mapped["AdminUnit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["AdminUnit"]] = relationship(
        back_populates="parent", order_by="AdminUnit.name"
    )
    service_points: Mapped[list["ServicePoint"]] = relationship(back_populates="unit")

    def set_parent(self, parent: "AdminUnit | None") -> None:
        """Attach under a parent; the unit must be flushed (have an id) first."""
        self.parent = parent
        prefix = parent.path if parent is not None else "/"
        self.path = f"{prefix}{self.id}/"

    def descendant_ids(self):
        """A SELECT of the ids of this unit and every unit below it."""
        return select(AdminUnit.id).where(AdminUnit.path.startswith(self.path))

    def is_current(self, on: date | None = None) -> bool:
        """Whether this version is in force on a day (today by default)."""
        on = on or date.today()
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def __repr__(self) -> str:
        return f"<AdminUnit {self.code} {self.name}>"


class ServicePoint(db.Model):
    """Bộ phận Một cửa: the desk of a unit where citizens file dossiers."""

    __tablename__ = "service_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[AdminUnit] = relationship(back_populates="service_points")
    counters: Mapped[list["Counter"]] = relationship(
        back_populates="service_point", order_by="Counter.code"
    )
    officers: Mapped[list["Officer"]] = relationship(
        back_populates="service_point", order_by="Officer.name"
    )


class Counter(db.Model):
    """Quầy: one counter of a desk."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("service_point_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Who serves at the counter now (set by counter staff); responses record it.
    officer_on_duty_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))

    service_point: Mapped[ServicePoint] = relationship(back_populates="counters")
    officer_on_duty: Mapped["Officer | None"] = relationship(foreign_keys=[officer_on_duty_id])


class Officer(db.Model):
    """Công chức: who served at a counter. Officers need no login."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)

    service_point: Mapped[ServicePoint] = relationship(back_populates="officers")


class HolidayKind(enum.StrEnum):
    """A day off, or a weekend day made a working day (ngày làm bù)."""

    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"


class Holiday(db.Model):
    """Ngày nghỉ lễ: a non-working day, or a make-up working day, for deadlines."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[HolidayKind] = mapped_column(
        str_enum(HolidayKind, "holiday_kind"), default=HolidayKind.HOLIDAY
    )
