"""effects.log as one line per finished task, sorted: 'daily D' for each
end of a daily run, other lines as written."""
lines = []
for line in open("effects.log"):
    parts = line.split()
    if len(parts) == 4 and parts[2] == "daily":
        if parts[1] == "end":
            lines.append(f"daily {parts[3]}")
    elif parts and parts[0] != "manual":
        lines.append(line.strip())
for line in sorted(lines):
    print(line)
