"""Prints, per pipeline, its runs' states from `weir runs` (oldest first)."""
import subprocess
import sys

for pipeline in ["skip", "buffer_one", "cancel_other", "allow"]:
    out = subprocess.run([sys.argv[1], "runs", pipeline], capture_output=True, text=True, check=True).stdout
    states = [line.split()[2] for line in out.splitlines()[1:]][::-1]
    print(pipeline, " ".join(states))
