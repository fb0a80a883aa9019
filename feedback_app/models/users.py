"""Staff accounts. Citizens never have one."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import str_enum, utcnow
from .units import AdminUnit


class Role(enum.StrEnum):
    """What a staff member does; permissions follow from it (see security.PERMISSIONS)."""

    ADMIN = "admin"
    REFORM_OFFICE = "reform_office"
    UNIT_MANAGER = "unit_manager"
    INTAKE_CLERK = "intake_clerk"
    HOTLINE_OPERATOR = "hotline_operator"
    COUNTER_STAFF = "counter_staff"


class User(UserMixin, db.Model):
    """A staff account scoped to one unit and everything below it."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Part of every signed-in session's id: raising it (sign-out, a new password) ends every
    # session of the account, including cookies copied before.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    unit: Mapped[AdminUnit] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot sign in
        return self.active

    def get_id(self) -> str:
        """Flask-Login's session id for the account: "<id>:<session version>"."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session signed in so far stops working at its next request."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        """Store only a salted hash."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Constant-time comparison against the stored hash."""
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
