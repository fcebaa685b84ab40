"""Prints the most attempts that ran at once, from lines "start end" (seconds)."""
import sys

events = []
for line in open(sys.argv[1]):
    start, end = map(float, line.split())
    events += [(start, 1), (end, -1)]
running = peak = 0
for _, change in sorted(events):  # an end before a start at the same instant
    running += change
    peak = max(peak, running)
print(f"peak {peak}")
