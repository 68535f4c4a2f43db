"""When a CronJob runs next, and the name of the Job it creates then.

The CronJob controller asks robfig/cron (MIT) for the first scheduled time after the CronJob's creation,
in spec.timeZone or else the kube-controller-manager's zone (UTC on nearly every cluster), and names
the Job `<cronjob>-<scheduled time in minutes since the epoch>` (pkg/controller/cronjob, Apache-2.0).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from kubelint_py.apply.jobs import CronError, Schedule, parse_schedule

SEARCH_YEARS = 5  # robfig/cron gives up after five years (e.g. "0 0 30 2 *" never runs)


def next_run(schedule: str, after: datetime, zone: str | None) -> datetime | None:
    """The first time the schedule fires strictly after `after`, in UTC; None if it never does."""
    try:
        parsed = parse_schedule(schedule)
    except CronError:
        return None
    where = _zone(parsed.zone or zone)
    if where is None:
        return None
    # robfig/cron starts from the next whole second.
    start = after.astimezone(where).replace(microsecond=0) + timedelta(seconds=1)
    if parsed.every_seconds is not None:
        return (
            start - timedelta(seconds=1) + timedelta(seconds=max(1, int(parsed.every_seconds)))
        ).astimezone(timezone.utc)
    if start.second:
        start = start.replace(second=0) + timedelta(minutes=1)
    found = _first_match(parsed, start)
    return found.astimezone(timezone.utc) if found else None


def _first_match(schedule: Schedule, start: datetime) -> datetime | None:
    minutes, hours, days, months, weekdays = (sorted(values) for values in schedule.fields)
    day = start.replace(hour=0, minute=0)
    for _ in range(366 * SEARCH_YEARS):
        if day.month in months and _day_matches(schedule, day):
            for hour in hours:
                for minute in minutes:
                    candidate = day.replace(hour=hour, minute=minute)
                    if candidate >= start:
                        return candidate
        day = (day + timedelta(days=1)).replace(hour=0, minute=0)
    return None


def _day_matches(schedule: Schedule, day: datetime) -> bool:
    in_month = day.day in schedule.fields[2]
    in_week = (day.isoweekday() % 7) in schedule.fields[4]  # cron counts Sunday as 0
    if schedule.day_star or schedule.weekday_star:
        return in_month and in_week
    return in_month or in_week


def _zone(name: str | None):
    if not name or name == "UTC":
        return timezone.utc
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # unknown zone or no time zone database: the apply stage reports the zone
        return None


def job_minutes(scheduled: datetime) -> int:
    return int(scheduled.timestamp()) // 60
