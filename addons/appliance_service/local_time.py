# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The clock of the service desk and the time zone of the company.

Tryton stores every DateTime as a naive UTC value.  People book, work and
read in the time zone of their company (``company.timezone``): the dates and
windows of the slots, the working hours of the SLA calendars, the day of a
visit, "today".  Every conversion between the two goes through these
functions; a company without time zone lives in UTC.

timezone arguments are tzinfo objects (see company_timezone); None means the
time zone of the company of the context.
"""
import datetime as dt

from trytond.pool import Pool
from trytond.tools import timezone as tz
from trytond.transaction import Transaction

MINUTE_FORMAT = '%Y-%m-%d %H:%M'


def utc_now():
    """Return the time the service clocks read: the naive UTC time.

    Tests drive the clocks (response due, complaint escalation, SLA
    deadlines, the slots still offered) with the context key sla_now; it is
    ignored outside of tests so nobody can backdate an order.
    """
    if Pool.test:
        value = Transaction().context.get('sla_now')
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value:
            if value.tzinfo is not None:
                value = value.astimezone(tz.UTC).replace(tzinfo=None)
            return value
    return dt.datetime.now(tz.UTC).replace(tzinfo=None)


def company_timezone(company=None):
    """Return the tzinfo of company, by default the company of the context;
    UTC without company or time zone"""
    if company is None:
        company_id = Transaction().context.get('company')
        if company_id is not None and company_id >= 0:
            Company = Pool().get('company.company')
            company = Company(company_id)
    if company and company.timezone:
        return tz.get_tzinfo(company.timezone)
    return tz.UTC


def _timezone(timezone):
    return company_timezone() if timezone is None else timezone


def to_local(value, timezone=None):
    "Return the naive UTC value as the naive wall-clock time of timezone"
    if value is None:
        return None
    return value.replace(tzinfo=tz.UTC).astimezone(
        _timezone(timezone)).replace(tzinfo=None)


def to_utc(value, timezone=None):
    "Return the naive wall-clock time value of timezone as naive UTC"
    if value is None:
        return None
    return value.replace(tzinfo=_timezone(timezone)).astimezone(
        tz.UTC).replace(tzinfo=None)


def utc_datetime(date, time, timezone=None):
    "Return as naive UTC the moment the clocks of timezone read date time"
    return to_utc(dt.datetime.combine(date, time), timezone)


def with_offset(value, timezone=None):
    """Return the naive UTC value as an aware time of timezone: its ISO
    format ends with the offset, e.g. 2026-12-02T09:00:00+08:00"""
    if value is None:
        return None
    return value.replace(tzinfo=tz.UTC).astimezone(_timezone(timezone))


def local_date(value, timezone=None):
    "Return the day of timezone on which the naive UTC value falls"
    if value is None:
        return None
    return to_local(value, timezone).date()


def local_now(timezone=None):
    "Return the wall-clock time of timezone now"
    return to_local(utc_now(), timezone)


def local_today(timezone=None):
    "Return the day of timezone now"
    return local_now(timezone).date()


def day_bounds(date, timezone=None):
    """Return the naive UTC start of date in timezone and the start of the
    next day, to search the instants of a local day"""
    timezone = _timezone(timezone)
    return (utc_datetime(date, dt.time(), timezone),
        utc_datetime(date + dt.timedelta(days=1), dt.time(), timezone))


def local_string(value, timezone=None, format=MINUTE_FORMAT):
    "Format the naive UTC value as the wall-clock time of timezone"
    if value is None:
        return ''
    return to_local(value, timezone).strftime(format)
