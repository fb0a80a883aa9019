"""Dossier figures per desk and month (Biểu 06/VPCP/KSTT shape, provisional)."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .units import ServicePoint
from .users import User

# The figures in the order of Biểu 06: received, resolved, pending (each total first).
FIGURES = (
    "received_total",
    "received_online",
    "received_direct",
    "received_carried_over",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_total",
    "pending_in_time",
    "pending_overdue",
)

# Each total and the parts that must add up to it: the rules of the form, as data. The service
# names the broken rule; the database holds the same sums as CHECK constraints.
SUMS = (
    ("received_total", ("received_online", "received_direct", "received_carried_over")),
    ("resolved_total", ("resolved_early", "resolved_on_time", "resolved_late")),
    ("pending_total", ("pending_in_time", "pending_overdue")),
)


def _sum_rule(total: str, parts: tuple[str, ...]) -> CheckConstraint:
    """The CHECK constraint of one sum: ck_dossier_stats_<received|resolved|pending>_parts."""
    return CheckConstraint(f"{' + '.join(parts)} = {total}", name=f"{total.split('_')[0]}_parts")


class DossierStat(db.Model):
    """Số liệu hồ sơ TTHC: one desk's dossier figures for one month, for one field (lĩnh vực)
    or, with an empty field, for all fields together.

    Biểu 06/VPCP/KSTT (TT 01/2020/TT-VPCP), provisional (REFERENCE.md): received = online +
    direct or by post + carried over from the previous month (the carried-over dossiers are part
    of the month's total to handle, as in the form's "tổng số" = "từ kỳ trước" + "trong kỳ");
    resolved = early + on time + late; pending = within time + overdue. A desk's month is
    entered either as one row for all fields or field by field, never both (service.py), so
    adding the rows never counts a dossier twice.
    """

    __tablename__ = "dossier_stats"
    __table_args__ = (
        UniqueConstraint("service_point_id", "month", "field"),
        *(_sum_rule(total, parts) for total, parts in SUMS),
        CheckConstraint(" AND ".join(f"{name} >= 0" for name in FIGURES), name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"))
    # The first day of the month the figures are for.
    month: Mapped[date] = mapped_column(Date, index=True)
    # Lĩnh vực (e.g. "Hộ tịch"); empty: all fields together.
    field: Mapped[str] = mapped_column(String(120), default="")
    received_total: Mapped[int] = mapped_column(Integer)
    received_online: Mapped[int] = mapped_column(Integer)
    # Trực tiếp hoặc qua dịch vụ bưu chính.
    received_direct: Mapped[int] = mapped_column(Integer)
    # Từ kỳ trước chuyển sang: still to handle at the end of the previous month.
    received_carried_over: Mapped[int] = mapped_column(Integer)
    resolved_total: Mapped[int] = mapped_column(Integer)
    resolved_early: Mapped[int] = mapped_column(Integer)
    resolved_on_time: Mapped[int] = mapped_column(Integer)
    resolved_late: Mapped[int] = mapped_column(Integer)
    pending_total: Mapped[int] = mapped_column(Integer)
    pending_in_time: Mapped[int] = mapped_column(Integer)
    pending_overdue: Mapped[int] = mapped_column(Integer)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    service_point: Mapped[ServicePoint] = relationship()
    entered_by: Mapped[User | None] = relationship()

    def figures(self) -> dict[str, int]:
        """The eleven figures by name, in the form's order."""
        return {name: getattr(self, name) for name in FIGURES}
