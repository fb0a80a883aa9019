"""Tests of the period summary (issue 12): periods, formulas, the summary object."""
