"""Working days as the warehouse keeps them: Monday to Friday, less England and Wales bank
holidays (the `holidays` package's calendar for England, which includes Wales's)."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings



def zone() -> ZoneInfo:
    """The shop's time zone (TIME_ZONE, Europe/London): its days are the days counted here."""
    return ZoneInfo(settings.TIME_ZONE)


@lru_cache(maxsize=8)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.UK(subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def is_first_working_day_of_month(day: date) -> bool:
    return is_working_day(day) and not any(is_working_day(day.replace(day=earlier)) for earlier in range(1, day.day))


def on_or_after_first_working_day(day: date) -> bool:
    """The month's first working day has come (a task missed on it can still run later)."""
    return any(is_working_day(day.replace(day=earlier)) for earlier in range(1, day.day + 1))


def late_before(now: datetime, working_days: int) -> datetime:
    """The moment before which something sent is more than `working_days` working days old at
    `now`: the local midnight starting the (working_days + 1)th working day back, counting today
    if it is one. Something sent on Thursday is 3 working days old on Tuesday (Friday, Monday,
    Tuesday), so with 2 it is late then; something sent on Friday is not."""
    day, counted = now.astimezone(zone()).date(), 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == working_days + 1:
                return datetime.combine(day, time.min, tzinfo=zone())
        day -= timedelta(days=1)


def monday_and_today(now: datetime) -> tuple[date, date]:
    """This week's Monday and today, as local days."""
    today = now.astimezone(zone()).date()
    return today - timedelta(days=today.weekday()), today


def today_and_week(now: datetime) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """[start, end) of today and of this week from Monday to the end of today, in local days."""
    monday, today = monday_and_today(now)
    midnight = lambda day: datetime.combine(day, time.min, tzinfo=zone())  # noqa: E731
    tomorrow = midnight(today + timedelta(days=1))
    return (midnight(today), tomorrow), (midnight(monday), tomorrow)
