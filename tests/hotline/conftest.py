"""Fixtures of the hotline's webhook and voice tests."""

import pytest

from tests.hotline.hotline_support import ALWAYS_OPEN, add_line, configure, working_today


@pytest.fixture
def hotline(app, district) -> dict:
    """Signatures configured, the district's line (with an operator), and the hotline open all
    day today."""
    configure(app, HOTLINE_OPENING_HOURS=ALWAYS_OPEN)
    working_today(app)
    return {"line": add_line(app, district["district"]), **district}
