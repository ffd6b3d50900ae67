# This file is part of the appliance_service_sla module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt
import unittest

from trytond.modules.appliance_service_sla.calendar import (
    WorkingTime, add_working_hours, working_hours_between)
from trytond.tools.timezone import get_tzinfo

# Monday to Saturday, 08:00 to 20:00
WEEK = {d: [(dt.time(8), dt.time(20))] for d in range(6)}
# 2025-01-03 is a Friday
FRIDAY = dt.date(2025, 1, 3)


def at(day_offset, hour, minute=0):
    return dt.datetime.combine(
        FRIDAY + dt.timedelta(days=day_offset), dt.time(hour, minute))


class SlaCalendarTestCase(unittest.TestCase):
    "Test the working hours arithmetic of the SLA clocks"

    def test_add_within_day(self):
        "Add hours inside one working period"
        self.assertEqual(add_working_hours(at(0, 9), 3, WEEK), at(0, 12))

    def test_add_across_night(self):
        "Friday 18:00 plus 4 working hours is Saturday 10:00"
        self.assertEqual(add_working_hours(at(0, 18), 4, WEEK), at(1, 10))

    def test_add_across_sunday(self):
        "Saturday 18:00 plus 4 working hours is Monday 10:00"
        self.assertEqual(add_working_hours(at(1, 18), 4, WEEK), at(3, 10))

    def test_add_from_outside_hours(self):
        "The clock starts with the next working period"
        self.assertEqual(add_working_hours(at(0, 22), 1, WEEK), at(1, 9))
        self.assertEqual(add_working_hours(at(2, 12), 1, WEEK), at(3, 9))
        self.assertEqual(add_working_hours(at(0, 6), 1, WEEK), at(0, 9))

    def test_add_ends_on_period_end(self):
        "A result on the end of a period stays there"
        self.assertEqual(add_working_hours(at(0, 18), 2, WEEK), at(0, 20))

    def test_add_is_additive(self):
        "Adding a then b is adding a + b"
        start = at(0, 17, 30)
        for a, b in [(2.5, 4), (1, 12), (12, 12), (0.25, 30)]:
            with self.subTest(a=a, b=b):
                self.assertEqual(
                    add_working_hours(
                        add_working_hours(start, a, WEEK), b, WEEK),
                    add_working_hours(start, a + b, WEEK))

    def test_add_zero(self):
        "Adding nothing keeps the time, even outside the hours"
        self.assertEqual(add_working_hours(at(2, 3), 0, WEEK), at(2, 3))

    def test_add_fraction(self):
        "Fractions of hours are counted to the second"
        self.assertEqual(
            add_working_hours(at(0, 19, 30), 0.75, WEEK), at(1, 8, 15))

    def test_add_holidays(self):
        "Holidays are skipped"
        holidays = {FRIDAY + dt.timedelta(days=1)}
        self.assertEqual(
            add_working_hours(at(0, 18), 4, WEEK, holidays), at(3, 10))

    def test_add_split_periods(self):
        "Several periods a day, overlapping ones merged"
        week = {d: [(dt.time(13), dt.time(17)), (dt.time(8), dt.time(12)),
                (dt.time(11), dt.time(12))] for d in range(5)}
        self.assertEqual(add_working_hours(at(0, 10), 4, week), at(0, 15))
        self.assertEqual(add_working_hours(at(0, 16), 2, week), at(3, 9))

    def test_add_no_hours(self):
        "A week without work raises"
        with self.assertRaises(ValueError):
            add_working_hours(at(0, 10), 1, {})
        with self.assertRaises(ValueError):
            add_working_hours(at(0, 10), -1, WEEK)

    def test_between(self):
        "Count working hours between two times"
        for start, end, hours in [
                (at(0, 9), at(0, 12), 3),
                (at(0, 18), at(1, 10), 4),
                (at(1, 18), at(3, 10), 4),
                (at(0, 21), at(1, 7), 0),
                (at(0, 12), at(0, 9), 0),
                (at(0, 8), at(7, 8), 72),
                (at(0, 19, 30), at(1, 8, 15), 0.75),
                ]:
            with self.subTest(start=start, end=end):
                self.assertEqual(
                    working_hours_between(start, end, WEEK), hours)

    def test_between_holidays(self):
        "Holidays do not count"
        holidays = {FRIDAY + dt.timedelta(days=1)}
        self.assertEqual(
            working_hours_between(at(0, 18), at(3, 10), WEEK, holidays), 4)

    def test_between_inverts_add(self):
        "The hours between a start and start plus hours are the hours"
        start = at(0, 15, 10)
        for hours in [0.5, 3, 11, 12, 40, 100]:
            with self.subTest(hours=hours):
                end = add_working_hours(start, hours, WEEK)
                self.assertAlmostEqual(
                    working_hours_between(start, end, WEEK), hours)

    def test_timezone(self):
        "The calendar is read in its timezone, times are UTC"
        working_time = WorkingTime(
            week=WEEK, timezone=get_tzinfo('Asia/Shanghai'))
        # Friday 18:00 in Shanghai is 10:00 UTC
        self.assertEqual(working_time.add(at(0, 10), 4), at(1, 2))
        self.assertEqual(working_time.between(at(0, 10), at(1, 2)), 4)
        self.assertEqual(working_time.local_string(at(1, 2)),
            '2025-01-04 10:00')

    def test_continuous(self):
        "Without a calendar every hour counts"
        working_time = WorkingTime()
        self.assertEqual(working_time.add(at(0, 18), 4), at(0, 22))
        self.assertEqual(working_time.between(at(0, 18), at(1, 18)), 24)


if __name__ == '__main__':
    unittest.main()
