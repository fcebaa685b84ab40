"""max_active_runs: 1 — no two daily runs overlap in effects.log."""
events = []
for line in open("effects.log"):
    parts = line.split()
    if len(parts) == 4 and parts[2] == "daily":
        events.append((float(parts[0]), parts[1], parts[3]))
events.sort()
running = peak = 0
for _, kind, _ in events:
    running += 1 if kind == "start" else -1
    peak = max(peak, running)
print(peak)
