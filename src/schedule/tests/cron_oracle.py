#!/usr/bin/python3
"""Independent answers for cron_oracle_test.cc: croniter + zoneinfo.

Prints one line per (expression, zone, start instant):
    expression<TAB>zone<TAB>after_epoch<TAB>t1 t2 t3 t4 t5
where t1..t5 are the next fire times (epoch seconds) strictly after
after_epoch, or the word "gap" from the first fire time that lands in a
spring-forward gap on.

Why croniter is driven with naive local times: croniter 1.3.5 given a
tz-aware datetime does wall-clock arithmetic with the offset it started
with, so across a DST change it yields nonexistent times (02:30+01:00 on
the spring-forward day) and shifted ones ("0 6 * * *" fires at 05:00 local
on that day). On naive local times it is plain calendar arithmetic, which is
what cron matching is; zoneinfo then maps each local time to an instant.

DESIGN.md's convention versus this oracle:
- a repeated local time (fall back) fires once, at its first occurrence:
  zoneinfo's fold=0 is the first occurrence, and fire times at or before the
  start instant are dropped (a start inside the repeated hour must not fire
  the repeated times again). Same convention: compared.
- a nonexistent local time (spring forward) fires at the first instant after
  the gap; zoneinfo would shift it by the gap's length instead (02:30 ->
  03:30). Different convention: reported as "gap" and not compared; the C++
  test covers those cases with hand-computed expectations (dst_test.cc).
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from croniter import croniter

# Day-of-month or day-of-week steps such as "*/2" are left out when the other
# day field is restricted: Vixie cron (and Weir) treat a field starting with
# '*' as unrestricted and AND the two, croniter ORs them.
EXPRESSIONS = [
    "* * * * *",
    "*/15 * * * *",
    "5-55/10 * * * *",
    "7 * * * *",
    "0 * * * *",
    "30 2 * * *",
    "0 6 * * *",
    "0 0 * * *",
    "45 23 * * *",
    "0 0,12 * * *",
    "15 9-17 * * *",
    "0 8-18/2 * * *",
    "0 */3 * * *",
    "0 2 * * *",
    "30 1 * * *",
    "0 3 * * *",
    "0 0 * * 0",
    "0 0 * * 7",
    "0 9 * * 1-5",
    "0 9 * * MON-FRI",
    "30 18 * * sat,sun",
    "0 0 * * */2",
    "0 12 * * 1,3,5",
    "0 0 1 * *",
    "0 0 15 * *",
    "0 0 31 * *",
    "0 0 29 2 *",
    "0 0 1 1 *",
    "0 0 1 */3 *",
    "0 6 1-7 * *",
    "0 0 1,15 * 1",
    "0 0 13 * 5",
    "0 12 28-31 * *",
    "0 4 * jan,jul *",
    "0 4 * JAN-MAR mon",
    "10 0 * 3,10,11 0",
    "59 23 31 12 *",
    "0 0 * * 6",
    "5 4 * * 0-7",
    "*/7 1-3 * * *",
    "0 1-3 * * *",
    "20 2 * 3 0",
]

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]

# Start instants (UTC): ordinary days, and just before the 2024 DST changes
# in Europe (Mar 31, Oct 27), the US (Mar 10, Nov 3) and Lord Howe (Apr 7,
# Oct 6; a 30-minute shift), plus a leap day.
STARTS = [
    datetime(2024, 1, 15, 10, 17, 23, tzinfo=timezone.utc),
    datetime(2024, 2, 28, 23, 59, 59, tzinfo=timezone.utc),
    datetime(2024, 3, 9, 20, 0, 0, tzinfo=timezone.utc),
    datetime(2024, 3, 30, 23, 30, 0, tzinfo=timezone.utc),
    datetime(2024, 4, 6, 14, 0, 0, tzinfo=timezone.utc),
    datetime(2024, 10, 26, 23, 0, 0, tzinfo=timezone.utc),
    datetime(2024, 10, 27, 0, 30, 0, tzinfo=timezone.utc),
    datetime(2024, 11, 3, 5, 10, 0, tzinfo=timezone.utc),
    datetime(2024, 10, 5, 14, 0, 0, tzinfo=timezone.utc),
    datetime(2024, 12, 31, 22, 59, 0, tzinfo=timezone.utc),
]

COUNT = 5


def exists(naive, zone):
    """Whether a naive local time exists in zone (round trip keeps it)."""
    back = naive.replace(tzinfo=zone).astimezone(timezone.utc).astimezone(zone)
    return back.replace(tzinfo=None) == naive


def next_fires(expression, zone_name, start):
    zone = ZoneInfo(zone_name)
    after = int(start.timestamp())
    local_start = start.astimezone(zone).replace(tzinfo=None)
    it = croniter(expression, local_start)
    out = []
    while len(out) < COUNT:
        naive = it.get_next(datetime)
        if not exists(naive, zone):
            out.append("gap")
            break
        instant = int(naive.replace(tzinfo=zone, fold=0).timestamp())
        if instant <= after:
            continue  # a repeated local time whose first occurrence is past
        out.append(str(instant))
    return after, out


def main():
    for expression in EXPRESSIONS:
        for zone_name in ZONES:
            for start in STARTS:
                after, fires = next_fires(expression, zone_name, start)
                print("\t".join([expression, zone_name, str(after), " ".join(fires)]))


if __name__ == "__main__":
    main()
