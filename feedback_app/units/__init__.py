"""Administrative units, desks, counters, officers (and, later, holidays)."""
