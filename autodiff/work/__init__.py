"""Checking a learner's work: `check_work` marks each number right, carried or wrong, and
names the slip that gives a wrong one.

Modules, each with one job: `written` (a learner's numbers and when they count as right),
`sheet` (the rows of the computation, worked from any values), `catalog` (the slips, as
changes to one row), `world` (the numbers that follow from the learner's own), `marking`
(statuses and the search for slips), `texts` (what the report says), `report` (the report),
`answers` (reading a file of answers).
"""

from .marking import check_work
from .report import Slip, WorkReport, WorkRow

__all__ = ["check_work", "WorkReport", "WorkRow", "Slip"]
