"""Jobs and CronJobs (BATCH, pkg/registry/batch/job/strategy.go), with the cron schedule parser the
apiserver uses (github.com/robfig/cron/v3 ParseStandard, MIT) re-implemented for its error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from kubelint_py.apply import formats, naming
from kubelint_py.apply.formats import go_value, invalid, is_int, required, unsupported
from kubelint_py.apply.rule import ERROR, Job, Obj, mapping, rule, text
from kubelint_py.model import Problem

_JOB_RESTART = ("OnFailure", "Never")

# --- cron schedules ----------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_DAYS = {name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# minute, hour, day of month, month, day of week: (min, max, names)
_FIELDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 6, _DAYS))
_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_DURATION = re.compile(r"^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$")


class CronError(ValueError):
    pass


def _go_fields(fields: list[str]) -> str:
    return "[" + " ".join(fields) + "]"


def _number(expr: str, names: dict | None) -> int:
    if names and expr.lower() in names:
        return names[expr.lower()]
    if not re.fullmatch(r"[+-]?\d+", expr):
        raise CronError(
            f"failed to parse int from {expr}: strconv.Atoi: parsing {go_value(expr)}: invalid syntax"
        )
    number = int(expr)
    if number < 0:
        raise CronError(f"negative number ({number}) not allowed: {expr}")
    return number


def _range(expr: str, low: int, high: int, names: dict | None) -> tuple[range, bool]:
    """The values one comma-separated part selects, and whether it is a star (`*`, `?`, `*/1`)."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    star = low_and_high[0] in ("*", "?")
    if star:
        start, end = low, high
    else:
        start = _number(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _number(low_and_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    step = 1
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], None)
        if len(low_and_high) == 1:  # "N/step" means "N-max/step"
            end = high
    elif len(range_and_step) > 2:
        raise CronError(f"too many slashes: {expr}")
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    return range(start, end + 1, step), star and step == 1


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: the values of minute, hour, day of month, month and day of week, or a
    constant delay (`@every`). A star in day of month or day of week makes the days match when both
    fields do; otherwise either one suffices (robfig/cron's dayMatches)."""

    fields: tuple[frozenset[int], ...] = ()
    day_star: bool = True
    weekday_star: bool = True
    every_seconds: float | None = None
    zone: str | None = None  # from a TZ= or CRON_TZ= prefix


# The descriptors as robfig/cron expands them: (minute, hour, day of month, month, day of week).
_DESCRIPTOR_FIELDS = {
    "@yearly": ("0", "0", "1", "1", "*"),
    "@annually": ("0", "0", "1", "1", "*"),
    "@monthly": ("0", "0", "1", "*", "*"),
    "@weekly": ("0", "0", "*", "*", "0"),
    "@daily": ("0", "0", "*", "*", "*"),
    "@midnight": ("0", "0", "*", "*", "*"),
    "@hourly": ("0", "*", "*", "*", "*"),
}


def parse_schedule(spec: str) -> Schedule:
    """The schedule as the CronJob controller reads it; raises CronError with robfig/cron's message
    when the apiserver would reject it."""
    if not spec:
        raise CronError("empty spec string")
    zone = None
    if spec.startswith(("TZ=", "CRON_TZ=")):
        zone = spec[spec.index("=") + 1 : spec.index(" ") if " " in spec else len(spec)]
        if not _known_zone(zone):
            raise CronError(f"provided bad location {zone}: unknown time zone {zone}")
        spec = spec[spec.index(" ") :].strip() if " " in spec else ""
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return _fields(list(_DESCRIPTOR_FIELDS[spec]), zone)
        if spec.startswith("@every "):
            duration = spec[len("@every ") :]
            if not _DURATION.match(duration):
                raise CronError(
                    f"failed to parse duration {spec}: time: invalid duration {go_value(duration)}"
                )
            return Schedule(every_seconds=go_duration(duration), zone=zone)
        raise CronError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: {_go_fields(fields)}")
    return _fields(fields, zone)


def _fields(fields: list[str], zone: str | None) -> Schedule:
    values, stars = [], []
    for field, (low, high, names) in zip(fields, _FIELDS, strict=True):
        selected: set[int] = set()
        star = False
        for expr in (part for part in field.split(",") if part):
            numbers, is_star = _range(expr, low, high, names)
            selected.update(numbers)
            star = star or is_star
        values.append(frozenset(selected))
        stars.append(star)
    return Schedule(tuple(values), stars[2], stars[4], zone=zone)


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def go_duration(text: str) -> float:
    """Seconds in a Go duration such as `1h30m` or `90s` (already matched by _DURATION)."""
    sign = -1 if text.startswith("-") else 1
    return sign * sum(float(number) * _DURATION_UNITS[unit] for number, unit in _DURATION_PART.findall(text))


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    try:
        import zoneinfo

        return frozenset(zoneinfo.available_timezones())
    except Exception:  # no time zone database on this system: nothing to check against
        return frozenset()


def _known_zone(zone: str) -> bool:
    zones = _zones()
    return not zones or zone in zones or zone == "UTC"


# --- rules -------------------------------------------------------------------------------------------


@rule(
    "apply/cron-schedule",
    ERROR,
    "CronJob",
    "jobs",
    "A CronJob schedule that the apiserver's cron parser rejects: not 5 fields, a value out of range (day of week "
    "is 0-6, so 7 is rejected), a bad range or step, an unknown @descriptor.",
    why="The CronJob is rejected, with the parser's message. Schema validation only sees a string.",
    example='spec:\n  schedule: "0 2 * * 7"',
    fix="Use 5 fields: minute hour day-of-month month day-of-week (0-6, 0 = Sunday).",
)
def cron_schedule(obj: Obj) -> Iterator[Problem]:
    schedule = obj.spec.get("schedule")
    if schedule == "":
        yield Problem(("spec", "schedule"), required(), 'Set a schedule, e.g. "0 2 * * *" (daily at 02:00).')
        return
    if not isinstance(schedule, str):
        return
    try:
        parse_schedule(schedule)
    except CronError as error:
        yield Problem(
            ("spec", "schedule"), invalid(schedule, str(error)), _schedule_fix(schedule, str(error))
        )


def _schedule_fix(schedule: str, error: str) -> str:
    fields = schedule.split()
    if "above maximum (6)" in error and len(fields) == 5:
        return f"Write {' '.join(fields[:4] + [fields[4].replace('7', '0')])!r}: Sunday is 0."
    if "expected exactly 5 fields, found 6" in error:
        return f"Drop the seconds field: {' '.join(fields[1:])!r}."
    return "Use 5 fields: minute hour day-of-month month day-of-week, or @hourly, @daily, @weekly, @monthly, @yearly."


@rule(
    "apply/cron-time-zone-in-schedule",
    ERROR,
    "CronJob",
    "jobs",
    "A CronJob schedule with a TZ= or CRON_TZ= prefix.",
    why="The apiserver rejects time zones inside the schedule for new CronJobs: `cannot use TZ or CRON_TZ in "
    "schedule, use timeZone field instead`.",
    example='spec:\n  schedule: "CRON_TZ=Europe/Paris 0 6 * * *"',
    fix="Move the zone to spec.timeZone.",
)
def cron_time_zone_in_schedule(obj: Obj) -> Iterator[Problem]:
    schedule = text(obj.spec.get("schedule"))
    if schedule and "TZ" in schedule:
        match = re.match(r"^(?:CRON_)?TZ=(\S+)\s+(.*)$", schedule)
        fix = (
            f"Write schedule: {match.group(2)!r} and timeZone: {match.group(1)!r}."
            if match
            else "Remove the time zone from the schedule and set spec.timeZone."
        )
        yield Problem(
            ("spec", "schedule"),
            invalid(schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
            fix,
        )


@rule(
    "apply/cron-time-zone",
    ERROR,
    "CronJob",
    "jobs",
    "A CronJob timeZone that is empty, `Local`, or not in the IANA time zone database.",
    why="The apiserver rejects it; the CronJob controller needs an explicit zone.",
    example="spec:\n  timeZone: Europe/Berlinn",
    fix="Use an IANA zone name such as Europe/Berlin or Etc/UTC.",
)
def cron_time_zone(obj: Obj) -> Iterator[Problem]:
    zone = obj.spec.get("timeZone")
    if not isinstance(zone, str):
        return
    at = ("spec", "timeZone")
    if zone == "":
        yield Problem(
            at, invalid(zone, "timeZone must be nil or non-empty string"), "Remove timeZone or name a zone."
        )
    elif zone.lower() == "local":
        yield Problem(
            at,
            invalid(
                zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
            ),
            "Name the zone, e.g. Europe/Berlin.",
        )
    elif not _known_zone(zone):
        import difflib

        close = difflib.get_close_matches(zone, sorted(_zones()), n=1)
        yield Problem(
            at,
            invalid(zone, f"unknown time zone {zone}"),
            f"Did you mean {close[0]}?" if close else "Use an IANA zone name such as Europe/Berlin.",
        )


@rule(
    "apply/cronjob-name-too-long",
    ERROR,
    "CronJob",
    "jobs",
    "A CronJob name longer than 52 characters.",
    why="Each run's Job is named <cronjob>-<minutes since the epoch>, and must stay a valid label value: the "
    "apiserver rejects longer CronJob names (`must be no more than 52 characters`).",
    example="metadata:\n  name: nightly-database-backup-to-object-storage-eu-central",
    fix="Shorten the name to 52 characters.",
)
def cronjob_name_too_long(obj: Obj) -> Iterator[Problem]:
    if obj.name and len(obj.name) > naming.CRONJOB_NAME_LIMIT:
        yield Problem(
            ("metadata", "name"),
            invalid(obj.name, formats.max_len(naming.CRONJOB_NAME_LIMIT)),
            f"Shorten the name by {len(obj.name) - naming.CRONJOB_NAME_LIMIT} characters.",
        )


@rule(
    "apply/job-name-too-long",
    ERROR,
    "Job",
    "jobs",
    "A Job name longer than 63 characters.",
    why="The Job's name becomes the value of the `job-name` and `batch.kubernetes.io/job-name` labels of its pods; "
    "label values stop at 63 characters, so the apiserver rejects the Job.",
    example="metadata:\n  name: migrate-the-orders-database-schema-to-version-twenty-seven-now",
    fix="Shorten the name to 63 characters.",
)
def job_name_too_long(obj: Obj) -> Iterator[Problem]:
    if obj.name and len(obj.name) > naming.LABEL_VALUE_LIMIT:
        yield Problem(
            ("metadata", "name"),
            invalid(obj.name, formats.max_len(naming.LABEL_VALUE_LIMIT))
            + " (the job-name label of its pods)",
            f"Shorten the name by {len(obj.name) - 63} characters.",
        )


@rule(
    "apply/indexed-job-name",
    ERROR,
    "Job",
    "jobs",
    "An Indexed Job whose pods' hostnames (<name>-<index>) would not be DNS labels.",
    why="Indexed Jobs give each pod the hostname <job>-<index>; the apiserver rejects a name that cannot make one "
    "(dots, or too long with the largest index).",
    example="metadata:\n  name: shard.worker\nspec:\n  completionMode: Indexed\n  completions: 10",
    fix="Use a short name without dots.",
)
def indexed_job_name(obj: Obj) -> Iterator[Problem]:
    completions = obj.spec.get("completions")
    if (
        obj.spec.get("completionMode") != "Indexed"
        or not obj.name
        or not is_int(completions)
        or completions < 1
    ):
        return
    hostname = naming.indexed_job_hostname(obj.name, completions - 1)
    if formats.is_dns1123_label(hostname) and not formats.is_dns1123_subdomain(obj.name):
        yield Problem(
            ("metadata", "name"),
            invalid(obj.name, f"will not able to create pod with invalid DNS label: {hostname}"),
            "Use a name without dots, short enough for the largest index.",
        )


@rule(
    "apply/job-restart-policy",
    ERROR,
    "job",
    "jobs",
    "A Job's pod template without restartPolicy OnFailure or Never (the pod default, Always, is not allowed), or "
    "not Never while podFailurePolicy is set.",
    why="A Job's pods must be able to finish. Leaving restartPolicy out is the usual mistake: it defaults to Always "
    "and the apiserver rejects the Job.",
    example="kind: Job\nspec:\n  template:\n    spec:\n      containers: [{name: migrate, image: app:1.4}]",
    fix="Add restartPolicy: Never (or OnFailure) to the pod template.",
)
def job_restart_policy(job: Job) -> Iterator[Problem]:
    template = mapping(job.spec.get("template"))
    if "spec" not in template:
        return
    pod_spec = mapping(template.get("spec"))
    policy = pod_spec.get("restartPolicy") or "Always"
    at = (
        job.at("template", "spec", "restartPolicy")
        if "restartPolicy" in pod_spec
        else job.at("template", "spec")
    )
    if policy not in _JOB_RESTART:
        fix = (
            "Add restartPolicy: Never or OnFailure to the pod template (the default, Always, is not allowed for Jobs)."
            if "restartPolicy" not in pod_spec
            else "Use restartPolicy: Never or OnFailure."
        )
        yield Problem(at, unsupported(policy, _JOB_RESTART), fix)
    elif job.spec.get("podFailurePolicy") is not None and policy != "Never":
        yield Problem(
            at,
            invalid(policy, 'only "Never" is supported when podFailurePolicy is specified'),
            "Use restartPolicy: Never with a podFailurePolicy.",
        )


@rule(
    "apply/job-selector",
    ERROR,
    "job",
    "jobs",
    "A Job with a hand-written selector but no `manualSelector: true`, or a CronJob's jobTemplate with a selector or "
    "manualSelector.",
    why="The apiserver generates a unique selector for every Job; a hand-written one is rejected unless "
    "manualSelector says you mean it, and a CronJob's Jobs always get generated ones.",
    example="kind: Job\nspec:\n  selector:\n    matchLabels: {app: migrate}",
    fix="Remove spec.selector (and manualSelector).",
)
def job_selector(job: Job) -> Iterator[Problem]:
    selector, manual = job.spec.get("selector"), job.spec.get("manualSelector")
    if job.obj.kind == "CronJob":
        if manual is True:
            yield Problem(
                job.at("manualSelector"), unsupported(True, ("nil", "false")), "Remove manualSelector."
            )
        if selector is not None:
            yield Problem(
                job.at("selector"),
                invalid(selector, "`selector` will be auto-generated"),
                "Remove the selector.",
            )
    elif manual is True and selector is None:
        yield Problem(
            job.at("selector"),
            required(),
            "Add a selector that matches the template's labels, or remove manualSelector.",
        )
    elif manual is not True and selector is not None:
        yield Problem(
            job.at("selector"),
            invalid(selector, "`selector` not auto-generated"),
            "Remove the selector (the apiserver generates one), or set manualSelector: true.",
        )


@rule(
    "apply/job-completion-mode",
    ERROR,
    "job",
    "jobs",
    "An Indexed Job without completions, or backoffLimitPerIndex/maxFailedIndexes on a non-Indexed Job, or "
    "maxFailedIndexes without backoffLimitPerIndex.",
    why="Indexes run from 0 to completions-1, so an Indexed Job needs completions; per-index limits need indexes. "
    "The apiserver rejects the Job.",
    example="spec:\n  completionMode: Indexed\n  parallelism: 3",
    fix="Set completions, or use the default NonIndexed mode.",
)
def job_completion_mode(job: Job) -> Iterator[Problem]:
    indexed = job.spec.get("completionMode") == "Indexed"
    if indexed and job.spec.get("completions") is None:
        yield Problem(
            job.at("completions"),
            required("when completion mode is Indexed"),
            "Set completions (the number of indexes).",
        )
    for field in ("backoffLimitPerIndex", "maxFailedIndexes"):
        if job.spec.get(field) is not None and not indexed:
            yield Problem(
                job.at(field),
                invalid(job.spec[field], "requires indexed completion mode"),
                "Set completionMode: Indexed, or remove it.",
            )
    if job.spec.get("maxFailedIndexes") is not None and job.spec.get("backoffLimitPerIndex") is None:
        yield Problem(
            job.at("backoffLimitPerIndex"),
            required("when maxFailedIndexes is specified"),
            "Set backoffLimitPerIndex.",
        )
