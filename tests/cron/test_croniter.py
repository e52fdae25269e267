"""`faasgate cron next` against croniter 1.3.5 (Debian's python3-croniter), a cron
implementation nobody here wrote.

Thousands of random expressions (seeded, so a failure reproduces: CRON_CHECK_SEED, and
CRON_CHECK_SCALE to run more or fewer) with random start times go to one `faasgate cron next
--stdin` process. Each of the N fire times it prints is compared, one step at a time, with what
a fresh croniter gives from the previous fire time (`get_next`), as instants.

Time zones: croniter reads a zone's fields on wall-clock datetimes (ZoneInfo, the same system
tzdata) and has daylight-saving bugs of its own, listed below. Where it disagrees with us in a
zone, the case is excluded only when (1) it falls into one of those named bugs, and (2) our
answer equals an independent model of the documented rule: croniter's own search run on naive
wall-clock times, from the latest local time the clocks have shown, placed at the first instant
the clocks show that wall time or later (ZoneInfo). Every zoned step is checked against the model
whether or not croniter agrees. Any other disagreement fails the test, printing the expression
and the start.

croniter 1.3.5's daylight-saving bugs (croniter.py, _get_next and _calc):
  dst-adjust    Its "DST handling for cron job spanning across days" shifts a result by the offset
                change when the offsets at the start and at the result differ and the result is
                far enough ahead: "30 1 * * *" in America/New_York from 2026-11-01T01:30-04:00 gives
                2026-11-02T02:30-05:00, not 01:30-05:00.
  gap-shift     A wall time inside a spring-forward gap is read with the offset before the gap
                (PEP 495 fold=0), so it fires the gap's length after the jump: "30 2 * * *" fires
                at 03:30 EDT on 2026-03-08. Classic cron (Vixie, cronie) runs it when the clock
                jumps, at 03:00, as we do.
  before-start  Its search resets fold to 0, so from the second pass of a repeated hour it finds
                the first pass's times again, before its own start: "*/20 * * * *" from
                2026-11-01T01:30-05:00 gives 01:40-04:00, an hour before the start.
  past-gap      Its search starts at the wall time of start + 60 s; when that minute crosses a
                spring-forward jump the skipped times are never considered: "30 2 * * *" from
                2026-03-08T01:59:30-05:00 looks from 03:00 EDT on and gives the next day, where
                classic cron (and we) fire at the jump, 03:00 EDT.
And two in any zone, UTC too:
  impossible-day  With both day fields restricted it searches each side of the OR on its own and
                gives up when either side never matches: "0 0 31 6 MON" raises
                CroniterBadDateError ("failed to find next date") instead of firing on June's
                Mondays, as classic cron and we do.
  past-month-end  Looking for the next day of the month it takes the next listed day even when
                the month does not have it, and moves that many days on: "0 0 1,31 * *" from
                2026-02-02 jumps 29 days to March 3 and gives March 31, skipping March 1
                (_get_next_nearest_diff compares with the month's length only when it wraps).
These are excluded only when croniter with that bug mended - its two OR searches taken one by
one, and a _get_next_nearest_diff that skips days past the month's end (FixedCroniter) - gives
our answer. The wall-clock model uses FixedCroniter too. Nothing else is excluded. croniter 1.3.5 and we also agree on which expressions are invalid (for
the mutations generated here), and our error position lies in the field at fault.
"""

import os
import random
import subprocess
import sys
import time
import unittest
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from croniter import croniter, CroniterBadDateError

FAASGATE = os.environ.get("FAASGATE_BIN", "build-test/bin/faasgate")
SEED = int(os.environ.get("CRON_CHECK_SEED", "20260308"))
SCALE = float(os.environ.get("CRON_CHECK_SCALE", "1"))
STEPS = 5  # fire times compared per case

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# name, '*' low, '*' high (day of week runs to 7, Sunday again), names
FIELDS = [("minute", 0, 59, None), ("hour", 0, 23, None), ("day-of-month", 1, 31, None),
          ("month", 1, 12, MONTHS), ("day-of-week", 0, 7, DAYS)]
# Zones with daylight saving of every kind: northern and southern, 30 minutes (Lord Howe), negative
# (Dublin), 2 hours (Troll), at midnight (Havana, Santiago, Asuncion), at -1:00 (Nuuk), quarter-hour
# offsets (Chatham, Kathmandu), a skipped day (Apia, 2011), Ramadan changes (Casablanca).
ZONES = ["America/New_York", "Europe/Berlin", "Europe/London", "Europe/Dublin", "Australia/Sydney",
         "Australia/Lord_Howe", "America/Sao_Paulo", "America/Santiago", "America/Havana", "America/Nuuk",
         "America/St_Johns", "America/Asuncion", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tehran",
         "Pacific/Chatham", "Pacific/Apia", "Africa/Casablanca", "Antarctica/Troll", "Asia/Gaza", "UTC"]
FIXED_ZONES = ["UTC", "Asia/Kolkata", "Asia/Tokyo"]  # no daylight saving since 1995: for ';' lists
DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]

START = datetime(1995, 1, 1, tzinfo=timezone.utc).timestamp()
END = datetime(2060, 1, 1, tzinfo=timezone.utc).timestamp()


def rfc3339(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown(ts, zone):
    return rfc3339(ts) if zone is None else datetime.fromtimestamp(ts, zone).isoformat()


# --- generating expressions -------------------------------------------------------------------

class Generator:
    def __init__(self, rng):
        self.r = rng

    def case(self, s):
        r = self.r.random()
        return s.upper() if r < 0.4 else s.capitalize() if r < 0.7 else s

    def value(self, field, v, range_end=False):
        _, low, high, names = FIELDS[field]
        if names and self.r.random() < 0.35:
            if field == 3:
                return self.case(MONTHS[v - 1])
            if v < 7:
                return self.case(DAYS[v])
            if range_end:  # "FRI-SUN": Sunday ends a range as 7
                return self.case("sun")
        return str(v)

    def item(self, field):
        _, low, high, _ = FIELDS[field]
        span = high - low + 1
        r = self.r.random()
        step = lambda: self.r.randint(1, span) if self.r.random() < 0.9 else self.r.randint(span, 100)
        if r < 0.25:
            return "*"
        if r < 0.40:
            return "*/%d" % step()
        if r < 0.65:
            return self.value(field, self.r.randint(low, high))
        a = self.r.randint(low, high)
        b = self.r.randint(a, high)
        if field == 4 and b == 7 and a > 0 and self.r.random() < 0.2:
            text = "%s-0" % self.value(field, a)  # day of week: a range ending on Sunday as 0
        else:
            text = "%s-%s" % (self.value(field, a), self.value(field, b, range_end=True))
        if r < 0.80:
            return text
        if r < 0.92:
            return "%s/%d" % (text, step())
        return "%s/%d" % (self.value(field, a), step())  # "a/n": a to the field's end

    def field(self, field):
        # Day fields: sometimes every value spelled out, which counts as unrestricted.
        if field == 2 and self.r.random() < 0.05:
            return self.r.choice(["1-31", "*/1", "1/1"])
        if field == 4 and self.r.random() < 0.05:
            return self.r.choice(["0-6", "0-7", "1-7", "SUN-SAT", "mon-sun", "*/1"])
        n = 1 if self.r.random() < 0.7 else self.r.randint(2, 4)
        items = [self.item(field) for _ in range(n)]
        if n > 1 and "*" in items and self.r.random() < 0.7:
            items = [i for i in items if i != "*"] or ["5" if field < 2 else "1"]
        return ",".join(items)

    def fields(self):
        out = [self.field(k) for k in range(5)]
        # A quarter with neither day field led by '*' (so both are restricted, mostly): the OR rule.
        if self.r.random() < 0.25:
            while out[2].startswith("*") and "," not in out[2]:
                out[2] = self.field(2)
            while out[4].startswith("*") and "," not in out[4]:
                out[4] = self.field(4)
        return " ".join(out)

    def every(self):
        h, m, s = self.r.choice([0, 0, 1, 2, 25]), self.r.randint(0, 90), self.r.randint(0, 59)
        text = "".join(p for p in ["%dh" % h if h else "", "%dm" % m if m else "", "%ds" % s if s else ""])
        seconds = h * 3600 + m * 60 + s
        if self.r.random() < 0.2:
            ms = self.r.randint(1, 999)
            text += "%dms" % ms
        return (text or "0s"), max(seconds, 1)

    def start(self, zone_name=None):
        ts = self.r.uniform(START, END)
        if zone_name and zone_name != "UTC" and self.r.random() < 0.6:
            near = transitions_in_year(zone_name, self.r.randint(1995, 2059))
            if near:
                ts = self.r.choice(near)[0] + self.r.uniform(-2 * 86400, 86400)
        if self.r.random() < 0.4:
            ts = ts // 60 * 60  # on a minute, so on fire times too
        return int(ts)


def invalid(gen):
    """A valid expression with one field broken: (text, begin, end) of the field at fault, or
    (text, None, None) when the number of fields is what is wrong."""
    r = gen.r
    fields = gen.fields().split()
    k = r.randrange(5)
    name, low, high, names = FIELDS[k]
    kind = r.choice(["high", "low", "step0", "backwards", "name", "empty", "dash", "count"])
    if kind == "high":
        fields[k] = str(high + r.randint(1, 40))
    elif kind == "low" and low == 1:
        fields[k] = "0"
    elif kind == "low":
        fields[k] = "%d-%d" % (low, high + 1)
    elif kind == "step0":
        fields[k] = r.choice(["*/0", "%d-%d/0" % (low, high), "%d/0" % low])
    elif kind == "backwards":
        a = r.randint(low + 1, min(high, 6 if k == 4 else high))
        fields[k] = "%d-%d" % (a, r.randint(max(low, 1), a - 1)) if a - 1 >= max(low, 1) else "%d-%d" % (high, high - 1)
    elif kind == "name":
        fields[k] = r.choice(["foo", "january", "Mond", "x"] + ([] if names else ["jan", "mon"])
                             + (["mon"] if k == 3 else []) + (["jan"] if k == 4 else []))
    elif kind == "empty":
        fields[k] = r.choice(["1,,2", ",%d" % low, "%d," % low])
    elif kind == "dash":
        fields[k] = "%d-" % low
    else:
        fields = fields[:4] if r.random() < 0.5 else fields + ["1", "2"]
        return " ".join(fields), None, None
    text = " ".join(fields)
    begin = len(" ".join(fields[:k])) + (1 if k else 0)
    return text, begin, begin + len(fields[k])


# --- time zones, as ZoneInfo sees them ---------------------------------------------------------

_zones = {}


def zone_info(name):
    if name not in _zones:
        _zones[name] = ZoneInfo(name)
    return _zones[name]


def offset(zone, ts):
    return int(datetime.fromtimestamp(ts, zone).utcoffset().total_seconds())


def transitions(zone, a, b, step=1800):  # no zone changes its offset twice within 30 minutes
    """Offset changes in (a, b]: (instant, offset before, offset after)."""
    out = []
    t, before = a, offset(zone, a)
    while t < b:
        u = min(t + step, b)
        after = offset(zone, u)
        if after != before:
            lo, hi = t, u  # offset(lo) == before != offset(hi)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(zone, mid) == before:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, before, offset(zone, hi)))
        t, before = u, after
    return out


_year_transitions = {}


def transitions_in_year(name, year):
    key = (name, year)
    if key not in _year_transitions:
        a = int(datetime(year, 1, 1, tzinfo=timezone.utc).timestamp())
        _year_transitions[key] = transitions(zone_info(name), a, a + 366 * 86400, step=6 * 3600)
    return _year_transitions[key]


def wall(zone, ts):
    return datetime.fromtimestamp(ts, zone).replace(tzinfo=None)


def latest_shown(zone, ts):
    """The latest local time the clocks have shown at or before ts."""
    best = wall(zone, ts)
    for t, before, after in transitions(zone, ts - 52 * 3600, ts):
        if after < before:
            best = max(best, wall(zone, t - 1))
    return best


def first_reaching(zone, w):
    """The first instant at which the zone's clocks show the naive wall time w or later."""
    t0 = int(w.replace(tzinfo=zone, fold=0).timestamp())
    t1 = int(w.replace(tzinfo=zone, fold=1).timestamp())
    exact = [t for t in (t0, t1) if wall(zone, t) == w]
    if exact:
        return min(exact)
    lo, hi = min(t0, t1), max(t0, t1)  # a gap: the clocks jump over w in (lo, hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if wall(zone, mid) >= w:
            hi = mid
        else:
            lo = mid
    return hi


# --- croniter ------------------------------------------------------------------------------

def croniter_next(fields, zone, ts):
    """croniter's get_next from ts, as an int, or None when it finds nothing in 50 years."""
    it = croniter(fields, datetime.fromtimestamp(ts, zone or timezone.utc))
    try:
        return int(it.get_next(float)), it
    except CroniterBadDateError:
        return None, it


class FixedCroniter(croniter):
    """croniter with its past-month-end bug mended: the next listed day of the month must be one
    the month has (range_val is the month's length there; every other field's values lie below
    its range_val, so nothing else changes)."""

    def _get_next_nearest_diff(self, x, to_check, range_val):
        for d in to_check:
            if d == "l":
                d = range_val
            if x <= d <= range_val:
                return d - x
        return to_check[0] - x + range_val


def croniter_core(it, ts):
    """croniter 1.3.5's _get_next without its cross-day DST adjustment (croniter.py: the OR rule,
    then _calc). Raises CroniterBadDateError as croniter does."""
    expanded, nth = it.expanded[:], it.nth_weekday_of_month.copy()
    if expanded[2][0] != "*" and expanded[4][0] != "*":
        by_day_of_month = expanded[:]
        by_day_of_month[4] = ["*"]
        by_weekday = expanded[:]
        by_weekday[2] = ["*"]
        return int(min(it._calc(ts, by_day_of_month, nth, False), it._calc(ts, by_weekday, nth, False)))
    return int(it._calc(ts, expanded, nth, False))


def croniter_or(it, ts):
    """croniter_core with each side of the OR searched on its own, so that a side that never
    matches (day 31 in June) leaves the other to decide; None when nothing matches."""
    expanded, nth = it.expanded[:], it.nth_weekday_of_month.copy()
    sides = [expanded]
    if expanded[2][0] != "*" and expanded[4][0] != "*":
        sides = [expanded[:4] + [["*"]], expanded[:2] + [["*"]] + expanded[3:]]
    found = []
    for side in sides:
        try:
            found.append(int(it._calc(ts, side, nth, False)))
        except CroniterBadDateError:
            pass
    return min(found) if found else None


def model_next(fields, zone, ts):
    """The documented rule, with croniter doing the matching on naive wall-clock times: from the
    latest local time shown (croniter adds the minute), the first instant showing the match."""
    w0 = latest_shown(zone, ts).replace(second=0, microsecond=0)
    it = FixedCroniter(fields, w0)  # naive: croniter's timestamps are then wall-clock readings
    w = croniter_or(it, w0.replace(tzinfo=timezone.utc).timestamp())
    if w is None:
        return None
    return first_reaching(zone, datetime.fromtimestamp(w, timezone.utc).replace(tzinfo=None))


def mended(fields, zone, ts, real, it):
    """croniter's answer from ts with its day bugs mended and before its DST adjustment, and the
    names of the bugs that made `real` differ from it."""
    core = croniter_or(FixedCroniter(fields, datetime.fromtimestamp(ts, zone or timezone.utc)), ts)
    sides = croniter_or(it, ts)
    try:
        unfixed = croniter_core(it, ts)
    except CroniterBadDateError:
        unfixed = None
    reasons = []
    if sides != core:
        reasons.append("past-month-end")
    if unfixed is None and sides is not None:
        reasons.append("impossible-day")
    elif unfixed != real:
        reasons.append("dst-adjust")
    return core, reasons


def explain(fields, zone, ts, mine, real, it):
    """The named croniter bugs behind a disagreement (a list), or None when none explains it.
    `zone` is None for a zone without daylight saving: then only the day bugs can."""
    core, reasons = mended(fields, zone, ts, real, it)
    if core == mine:
        return reasons or None
    if zone is None or core is None or mine is None:
        return None
    if core <= ts:
        return reasons + ["before-start"]
    for t, before, after in transitions(zone, ts - 3600, max(core, mine) + 3600):
        if after <= before or mine != t:
            continue
        if t < core < t + (after - before):
            return reasons + ["gap-shift"]
        if ts < t <= ts + 60:
            return reasons + ["past-gap"]
    return None


# --- the cases ----------------------------------------------------------------------------------

class Case:
    def __init__(self, kind, expr, start, zone_name=None, parts=None, every=None, field_span=None):
        self.kind, self.expr, self.start, self.zone_name = kind, expr, start, zone_name
        self.parts = parts  # croniter expressions (5 fields or a descriptor), one per ';' schedule
        self.every = every  # @every: seconds
        self.field_span = field_span  # invalid: (begin, end) of the field at fault, or None
        self.output = None


# The examples above, so that every run meets each croniter bug at least once: (expression, start)
BUG_EXAMPLES = [
    ("CRON_TZ=America/New_York 30 1 * * *", "2026-11-01T05:30:00Z"),      # dst-adjust
    ("CRON_TZ=America/New_York 30 2 * * *", "2026-03-07T17:00:00Z"),      # gap-shift
    ("CRON_TZ=America/New_York */20 * * * *", "2026-11-01T06:30:00Z"),    # before-start
    ("CRON_TZ=America/New_York 30 2 * * *", "2026-03-08T06:59:30Z"),      # past-gap
    ("0 0 31 6 MON", "2026-01-01T00:00:00Z"),                             # impossible-day
    ("0 0 1,31 * *", "2026-02-02T00:00:00Z"),                             # past-month-end
]


def generate(seed, scale):
    gen = Generator(random.Random(seed))
    n = lambda count: max(1, int(count * scale))
    cases = []
    for expr, start in BUG_EXAMPLES:
        ts = int(datetime.fromisoformat(start).timestamp())
        if expr.startswith("CRON_TZ="):
            prefix, fields = expr.split(" ", 1)
            cases.append(Case("zoned", expr, ts, prefix[len("CRON_TZ="):], parts=[fields]))
        else:
            cases.append(Case("utc", expr, ts, parts=[expr]))
    for _ in range(n(2500)):
        fields = gen.fields()
        cases.append(Case("utc", fields, gen.start(), parts=[fields]))
    for _ in range(n(1500)):
        name = gen.r.choice(ZONES)
        fields = gen.fields() if gen.r.random() < 0.9 else gen.r.choice(DESCRIPTORS)
        prefix = gen.r.choice(["CRON_TZ=", "TZ="])
        cases.append(Case("zoned", "%s%s %s" % (prefix, name, fields), gen.start(name), name, parts=[fields]))
    for _ in range(n(200)):
        d = gen.r.choice(DESCRIPTORS)
        text = "@" + gen.case(d[1:]) if gen.r.random() < 0.3 else d  # descriptors are case-insensitive
        cases.append(Case("descriptor", text, gen.start(), parts=[d]))
    for _ in range(n(200)):
        parts = [gen.fields() if gen.r.random() < 0.8 else gen.r.choice(DESCRIPTORS)
                 for _ in range(gen.r.randint(2, 4))]
        name = gen.r.choice(FIXED_ZONES) if gen.r.random() < 0.3 else None
        text = "; ".join(parts)
        cases.append(Case("list", ("CRON_TZ=%s " % name if name else "") + text, gen.start(), name, parts=parts))
    for _ in range(n(150)):
        text, seconds = gen.every()
        cases.append(Case("every", "@every " + text, gen.start(), every=seconds))
    for _ in range(n(400)):
        text, begin, end = invalid(gen)
        cases.append(Case("invalid", text, gen.start(), field_span=(begin, end)))
    return cases


def run_faasgate(cases):
    lines = "".join("%s\t%s\n" % (rfc3339(c.start), c.expr) for c in cases)
    started = time.monotonic()
    done = subprocess.run([FAASGATE, "cron", "next", "--stdin", "-n", str(STEPS)], input=lines,
                          capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    out = done.stdout.split("\n")
    assert out[-1] == "", "faasgate's output does not end with a newline"
    out = out[:-1]
    assert len(out) == len(cases), "%d lines for %d cases; stderr: %s" % (len(out), len(cases), done.stderr[-2000:])
    for c, line in zip(cases, out):
        c.output = line
    return done.returncode, elapsed


def instants(line):
    return [int(datetime.fromisoformat(t).timestamp()) for t in line.split()] if line else []


class CroniterCrossCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = generate(SEED, SCALE)
        cls.status, cls.elapsed = run_faasgate(cls.cases)

    def test_fire_times_agree_with_croniter(self):
        started = time.monotonic()
        steps = agreed = model_checked = 0
        excluded, examples, failures = {}, {}, []
        cases = [c for c in self.cases if c.kind != "invalid"]
        for c in cases:
            if c.output.startswith("error"):
                failures.append("%r: refused: %s" % (c.expr, c.output))
                continue
            mine = instants(c.output)
            zone = zone_info(c.zone_name) if c.zone_name else None
            zone_has_dst = c.kind == "zoned" and c.zone_name != "UTC"
            prev = c.start
            for i in range(STEPS):
                got = mine[i] if i < len(mine) else None
                steps += 1
                if c.kind == "every":
                    expected, it = prev + c.every, None
                else:
                    answers = [croniter_next(p, zone, prev) for p in c.parts]
                    found = [a for a, _ in answers if a is not None]
                    expected = min(found) if found else None
                    it = answers[0][1]
                where = "%r from %s (step %d, after %s)" % (c.expr, shown(c.start, zone), i + 1, shown(prev, zone))
                if zone_has_dst:
                    model = model_next(c.parts[0], zone, prev)
                    model_checked += 1
                    if got != model:
                        failures.append("%s: we say %s, the wall-clock model %s, croniter %s" % (
                            where, got and shown(got, zone), model and shown(model, zone),
                            expected and shown(expected, zone)))
                        break
                if got == expected:
                    agreed += 1
                else:
                    if c.kind == "list":  # in zones without daylight saving: only the day bugs apply
                        reasons, fixed = set(), []
                        for p, (real, it) in zip(c.parts, answers):
                            core, why = mended(p, zone, prev, real, it)
                            fixed += [core] if core is not None else []
                            reasons.update(why if core != real else [])
                        reasons = sorted(reasons) if fixed and min(fixed) == got else None
                    elif c.kind == "every":
                        reasons = None
                    else:
                        reasons = explain(c.parts[0], zone if zone_has_dst else None, prev, got, expected, it)
                    if not reasons:
                        failures.append("%s: we say %s, croniter %s" % (
                            where, got and shown(got, zone), expected and shown(expected, zone)))
                        break
                    reason = " + ".join(reasons)
                    excluded[reason] = excluded.get(reason, 0) + 1
                    examples.setdefault(reason, []).append("%s: we say %s, croniter %s" % (
                        where, got and shown(got, zone), expected and shown(expected, zone)))
                if got is None:
                    break
                prev = got
        print("\ncron cross-check (seed %d): %d cases, %d steps compared; faasgate took %.1f s, the check %.1f s"
              % (SEED, len(cases), steps, self.elapsed, time.monotonic() - started))
        print("  agree with croniter: %d steps (%.2f%%)" % (agreed, 100.0 * agreed / max(steps, 1)))
        print("  zoned steps checked against the wall-clock model: %d" % model_checked)
        for reason, count in sorted(excluded.items()):
            print("  excluded, croniter's %s bug: %d steps, e.g. %s" % (reason, count, examples[reason][0]))
        if failures:
            self.fail("%d disagreements:\n  %s" % (len(failures), "\n  ".join(failures[:30])))

    def test_invalid_expressions_are_refused_by_both(self):
        failures, count = [], 0
        for c in (c for c in self.cases if c.kind == "invalid"):
            count += 1
            try:
                croniter(c.expr, datetime.fromtimestamp(c.start, timezone.utc))
                croniter_refuses = False
            except Exception:  # croniter raises CroniterBadCronError, or ValueError and kin on garbage
                croniter_refuses = True
            if not croniter_refuses:  # the mutations are meant to be invalid to every cron
                failures.append("%r: croniter accepts it, we say %s" % (c.expr, c.output))
                continue
            if not c.output.startswith("error at "):
                failures.append("%r: croniter refuses it, we say %s" % (c.expr, c.output))
                continue
            position = int(c.output[len("error at "):].split(":")[0])
            begin, end = c.field_span
            if begin is not None and not begin <= position <= end:
                failures.append("%r: error at %d, outside the field at fault (%d-%d): %s" % (
                    c.expr, position, begin, end, c.output))
        self.assertEqual(self.status, 2, "with bad lines in the input, the exit status is 2")
        print("\ncron cross-check: %d invalid expressions refused by both" % count)
        if failures:
            self.fail("%d disagreements:\n  %s" % (len(failures), "\n  ".join(failures[:30])))


if __name__ == "__main__":
    unittest.main()
