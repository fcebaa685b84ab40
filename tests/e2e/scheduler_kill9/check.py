"""After the kill and the restart: one run per interval, all succeeded, and
every task of every interval ended (a task killed mid-way ran again, so
'start' may repeat, but each interval's work is complete)."""
import datetime
import subprocess
import sys

today = datetime.datetime.now(datetime.timezone.utc).date()
days = sorted((today - datetime.timedelta(days=n)).isoformat() for n in range(1, 6))
out = subprocess.run([sys.argv[1], "runs", "daily"], capture_output=True, text=True, check=True).stdout
runs = sorted((line.split()[1], line.split()[2]) for line in out.splitlines()[1:])
assert runs == [(d, "success") for d in days], runs
ended = {tuple(line.split()[1:]) for line in open("effects.log") if line.startswith("end ")}
assert ended == {(task, d) for task in ("extract", "load") for d in days}, sorted(ended)
print("ok")
