"""Compares two CSV files cell by cell; numbers match within 1e-6."""
import csv, sys

want, got = (list(csv.reader(open(p))) for p in sys.argv[1:3])
if len(want) != len(got):
    sys.exit(f"{len(want)} rows expected, {len(got)} found")
for i, (w, g) in enumerate(zip(want, got)):
    for a, b in zip(w, g):
        try:
            same = abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)))
        except ValueError:
            same = a == b
        if not same or len(w) != len(g):
            sys.exit(f"row {i + 1}: expected {w}, found {g}")
print(f"{len(got)} rows equal")
