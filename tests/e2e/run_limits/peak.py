"""The most pooled tasks that ran at once, and how many ran, from effects.log."""
events = sorted((float(t), 1 if kind == "start" else -1) for t, kind in (l.split() for l in open("effects.log")))
level = peak = 0
for _, delta in events:
    level += delta
    peak = max(peak, level)
print(peak, sum(1 for _, d in events if d == 1))
