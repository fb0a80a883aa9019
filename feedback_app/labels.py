"""Translated names for enum values shown to people."""

from flask_babel import lazy_gettext as _l

from .models import Role, UnitLevel

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.REFORM_OFFICE: _l("Reform office"),
    Role.UNIT_MANAGER: _l("Unit manager"),
    Role.INTAKE_CLERK: _l("Intake clerk"),
    Role.HOTLINE_OPERATOR: _l("Hotline operator"),
    Role.COUNTER_STAFF: _l("Counter staff"),
}

UNIT_LEVEL_LABELS = {
    UnitLevel.PROVINCE: _l("Province"),
    UnitLevel.DISTRICT: _l("District"),
    UnitLevel.COMMUNE: _l("Commune / ward"),
}
