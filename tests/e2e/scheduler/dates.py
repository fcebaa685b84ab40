"""Prints what the scheduler owes each pipeline, computed from today's UTC
date independently of weir: catchup from start_date, or the latest only."""
import datetime
import sys

today = datetime.datetime.now(datetime.timezone.utc).date()
def day(n):
    return (today - datetime.timedelta(days=n)).isoformat()

if sys.argv[1] == "sed":
    # START_N in the pipeline files becomes the date N days ago.
    print(" ".join(f"-e s/START_{n}/{day(n)}/" for n in range(1, 8)))
elif sys.argv[1] == "expect":
    for line in ["daily " + day(n) for n in (3, 2, 1)] + ["latest " + day(1)]:
        print(line)
elif sys.argv[1] == "paused":
    for n in (2, 1):
        print(f"paused {day(n)} scheduler")
