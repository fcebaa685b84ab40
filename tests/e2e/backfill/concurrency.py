"""The most `work` tasks that ran at the same time, from effects.log."""
events = []
for line in open("effects.log"):
    t, kind, ds = line.split()
    events.append((float(t), 1 if kind == "start" else -1))
level = peak = 0
for _, delta in sorted(events):
    level += delta
    peak = max(peak, level)
print(peak)
