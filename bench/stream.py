#!/usr/bin/env python3
"""The stream benchmark of issue 9 (first version): W3's event stream
(WORKLOADS.md; docs/streams.md's example) Kafka → transform → Kafka, on
librdkafka's mock cluster run as a process (weir-kafka-mock), one fresh
cluster per side:

  weir      `weir stream w3 --exit-when-idle 10s` (--idle), delivery at_least_once,
            then exactly_once
  w3        W3's Python consumer as described: kafka-python, json.loads,
            the reshape, send() and flush() after every message
  batched   the same, flushing once at the end (send() batches)
  floor     librdkafka consuming and producing the same bytes with no
            transform (confluent-kafka, which wraps librdkafka)

Every side gets the same events: a seeded generator of ~300-byte JSON
events (id, type, user_id missing for 1 in 10, timestamp, data with
amount for purchases, padding). The mock's partitions keep only ~5 MB each,
so this process produces while the side consumes: a producer thread stays
at most --window events ahead of the count of output messages, which is
the sum of the output topic's high watermarks, polled every 50 ms. It
lingers 100 ms (--feed-linger-ms): with small source batches (5 ms) the
consumers got little per fetch from the mock and every side was capped
alike (the floor ~2,000 events/s under load; at 100 ms ~21,500).
`--exit-when-idle` is 10s, not 3s: it counts from weir's start, and joining
the group on the loaded mock took 4 to 18 s.
Throughput = events ÷ (first produce → the output count reaching the event
count), and from the 10% to the 90% output mark (without start-up and
the group join, which weigh on short runs). CPU seconds from the
child's rusage (os.wait4), its peak RSS from /proc/PID/status (VmHWM,
polled), and the seconds its threads waited for a core
(/proc/PID/task/*/schedstat, summed over threads): on a loaded machine,
events per CPU second compare the sides better than events/s. The mock
broker's and this driver's are counted for no side. The producer and
the broker share the machine's two cores with the side measured: the
ratio to the floor is what counts. Before any figure is used, the output
messages still in the topic (the mock drops the oldest) are read back and
checked field by field against the generator's events; the output count
must equal the event count.

Peers need Debian's packages, for Debian's python3 (run this script with it):
  apt-get install -y python3-kafka python3-confluent-kafka   (bench/run.sh does)

usage: /usr/bin/python3 bench/stream.py --weir WEIR --mock WEIR-KAFKA-MOCK --out SECTION.md
           [--events 500000] [--w3-events 20000] [--batched-events 200000] [--sides ...]
           [--window 40000] [--feed-linger-ms 100] [--idle 10s] [--seed 9]
       stream.py peer KIND BROKERS EVENTS    (a Python side, run as a child)
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work", "stream")
PARTITIONS = 8
SOURCE, SINK, DEAD = "raw-events", "processed-events", "raw-events-dlq"
EVENT_BYTES = 300
# The source's batch size (the feeder's linger) bounds what a consumer gets
# per fetch from the mock: at 5 ms it capped every side alike.
FEED_LINGER_MS = [100]
TYPES = ["page_view", "click", "purchase", "signup", "add_to_cart"]

W3_SQL = """SELECT id AS event_id, type AS event_type, user_id, "timestamp",
       strftime(CAST(now() AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ') AS processed_at,
       CASE WHEN type = 'purchase' THEN CAST(data->>'amount' AS DOUBLE) END AS amount
FROM batch"""


# ------------------------------------------------------------------ events

def generate_events(count, seed):
    """`count` W3 events as JSON bytes, each padded to EVENT_BYTES; event i
    has id evt-<i>, so a checker can find it again."""
    rng = random.Random(seed)
    events = []
    for i in range(count):
        kind = TYPES[rng.randrange(len(TYPES))]
        event = {"id": f"evt-{i:09d}", "type": kind}
        if rng.randrange(10):
            event["user_id"] = f"user-{rng.randrange(1_000_000)}"
        event["timestamp"] = f"2024-03-{1 + i % 28:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:" \
                             f"{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"
        data = {"page": f"/products/{rng.randrange(5000)}", "session": f"s-{rng.randrange(1 << 30):08x}"}
        if kind == "purchase":
            data["amount"] = rng.randrange(1, 100_000) / 100
            data["currency"] = "EUR"
        event["data"] = data
        event["padding"] = ""
        text = json.dumps(event, separators=(",", ":"))
        event["padding"] = "x" * max(0, EVENT_BYTES - len(text))
        events.append(json.dumps(event, separators=(",", ":")).encode())
    return events


def cached_events(count, seed):
    """generate_events, kept one event a line under bench/work/stream."""
    path = os.path.join(WORK, f"events_{count}_seed{seed}.jsonl")
    for name in os.listdir(WORK):  # a longer run's file starts with the same events
        match = re.fullmatch(rf"events_(\d+)_seed{seed}\.jsonl", name)
        if match and int(match.group(1)) >= count:
            path = os.path.join(WORK, name)
    if not os.path.exists(path):
        print(f"stream: generating {count:,} events", flush=True)
        with open(path + ".tmp", "wb") as f:
            f.write(b"\n".join(generate_events(count, seed)) + b"\n")
        os.replace(path + ".tmp", path)
    with open(path, "rb") as f:
        return f.read().splitlines()[:count]


def expected_output(event_bytes):
    """W3's output fields for one input event, computed here from the
    generator's bytes (processed_at is now() and not compared)."""
    e = json.loads(event_bytes)
    return {"event_id": e["id"], "event_type": e["type"], "user_id": e.get("user_id"),
            "timestamp": e["timestamp"],
            "amount": float(e["data"]["amount"]) if e["type"] == "purchase" else None}


# ------------------------------------------------------------- python peers

def w3_transform(event):
    out = {"event_id": event["id"], "event_type": event["type"], "user_id": event.get("user_id"),
           "timestamp": event["timestamp"],
           "processed_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000Z"}
    if event["type"] == "purchase":
        out["amount"] = float(event["data"]["amount"])
    return out


def peer_kafka_python(brokers, events, flush_each):
    """W3's consumer (kafka-python): flush after every message, or once at the end."""
    from kafka import KafkaConsumer, KafkaProducer
    consumer = KafkaConsumer(SOURCE, bootstrap_servers=brokers, group_id="event-processor",
                             auto_offset_reset="earliest", value_deserializer=json.loads)
    producer = KafkaProducer(bootstrap_servers=brokers,
                             value_serializer=lambda v: json.dumps(v).encode(), key_serializer=str.encode)
    seen = 0
    for message in consumer:
        processed = w3_transform(message.value)
        producer.send(SINK, key=processed["event_id"], value=processed)
        if flush_each:
            producer.flush()
        seen += 1
        if seen == events:
            break
    producer.flush()
    consumer.commit()
    consumer.close()


def peer_floor(brokers, events):
    """librdkafka consume → produce of the same bytes, no transform."""
    from confluent_kafka import Consumer, Producer
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "floor", "auto.offset.reset": "earliest"})
    consumer.subscribe([SOURCE])
    producer = Producer({"bootstrap.servers": brokers, "linger.ms": 5})
    seen = 0
    while seen < events:
        for m in consumer.consume(num_messages=10000, timeout=0.5):
            if m.error():
                continue
            while True:
                try:
                    producer.produce(SINK, value=m.value(), key=m.key())
                    break
                except BufferError:
                    producer.poll(0.01)
            seen += 1
        producer.poll(0)
    producer.flush()
    consumer.close()  # commits the offsets consumed (enable.auto.commit)


def peer_main(kind, brokers, events):
    if kind == "floor":
        peer_floor(brokers, events)
    else:
        peer_kafka_python(brokers, events, flush_each=(kind == "w3"))


# ------------------------------------------------------------------- driver

class MockCluster:
    """weir-kafka-mock as a child: serves until its stdin closes."""

    def __init__(self, binary):
        topics = [f"{SOURCE}:{PARTITIONS}", f"{SINK}:{PARTITIONS}", f"{DEAD}:1"]
        self.proc = subprocess.Popen([binary] + topics, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.brokers = self.proc.stdout.readline().strip()
        if not self.brokers:
            sys.exit("stream: weir-kafka-mock printed no bootstrap address")

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def output_count(watcher):
    total = 0
    for p in range(PARTITIONS):
        from confluent_kafka import TopicPartition
        _, high = watcher.get_watermark_offsets(TopicPartition(SINK, p), timeout=5, cached=False)
        total += high
    return total


def feed(brokers, events, window, counted, started, failures):
    """Produces `events` to the source, at most `window` ahead of counted[0]."""
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": brokers, "linger.ms": FEED_LINGER_MS[0], "batch.num.messages": 10000})
    sent = 0

    def failed(error, _message):
        if error is not None:
            failures.append(str(error))
    while sent < len(events):
        if sent - counted[0] >= window:
            producer.poll(0.005)
            continue
        end = min(len(events), sent + 5000)
        for i in range(sent, end):
            if not started:
                started.append(time.perf_counter())
            while True:
                try:
                    # Round robin: keyless messages would go to one "sticky" partition at a
                    # time, and the mock's ~5 MB per partition would drop unread ones.
                    producer.produce(SOURCE, value=events[i], partition=i % PARTITIONS, on_delivery=failed)
                    break
                except BufferError:
                    producer.poll(0.01)
        sent = end
        producer.poll(0)
    producer.flush()


def run_side(name, cmd, cwd, brokers, events, window, log, timeout):
    """Starts the side, feeds it, and measures until its output count is
    the event count; then waits for it to exit for its rusage."""
    from confluent_kafka import Consumer
    watcher = Consumer({"bootstrap.servers": brokers, "group.id": "bench-watcher"})
    counted, started, samples, failures, sched, peak = [0], [], [], [], {}, [0.0]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        feeder = threading.Thread(target=feed, args=(brokers, events, window, counted, started, failures), daemon=True)
        feeder.start()
        deadline = time.perf_counter() + timeout
        while counted[0] < len(events):
            if proc.poll() is not None and counted[0] < len(events):
                counted[0] = output_count(watcher)
                if counted[0] < len(events):
                    sys.exit(f"stream: {name} exited ({proc.returncode}) after {counted[0]:,} outputs "
                             f"({len(failures)} produce failures {failures[:3]}):\n{tail(log)}")
            if time.perf_counter() > deadline:
                proc.kill()
                sys.exit(f"stream: {name} produced {counted[0]:,} of {len(events):,} in {timeout}s:\n{tail(log)}")
            time.sleep(0.05)
            sample_schedstat(proc.pid, sched)
            peak[0] = max(peak[0], high_water_mb(proc.pid))
            counted[0] = output_count(watcher)
            samples.append((time.perf_counter(), counted[0]))
        end = time.perf_counter()
        while True:  # to its exit, sampling its memory
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak[0] = max(peak[0], high_water_mb(proc.pid))
            time.sleep(0.05)
        feeder.join()
    final = output_count(watcher)
    if failures:
        sys.exit(f"stream: {len(failures)} events could not be produced to {SOURCE}: {failures[:3]}")
    watcher.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"stream: {name} failed ({code}):\n{tail(log)}")
    seconds = end - started[0]
    return {"events": len(events), "outputs": final, "seconds": seconds, "rate": len(events) / seconds,
            "steady": steady_rate(samples, len(events)),
            "runqueue": sum(w for _, w in sched.values()) / 1e9, "first_output": first_output(samples) - started[0],
            "cpu": usage.ru_utime + usage.ru_stime, "mb": peak[0]}


def sample_schedstat(pid, sched):
    """Per thread of pid: nanoseconds on a core and waiting for one
    (/proc/PID/task/TID/schedstat), the latest seen: the wait says how much
    the other load on the machine held the side back."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                run, wait, _ = f.read().split()
            sched[tid] = (int(run), int(wait))
        except (OSError, ValueError):
            pass


def high_water_mb(pid):
    """VmHWM: the process's own peak RSS. Not ru_maxrss, which keeps the
    peak of the forked copy of this driver (and its events) across exec."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def steady_rate(samples, events):
    """Events/s between the 10% and the 90% output marks: without the
    start-up and the group join, which weigh on short runs."""
    t10 = next(t for t, n in samples if n >= events // 10)
    t90 = next(t for t, n in samples if n >= events * 9 // 10)
    return (events * 9 // 10 - events // 10) / max(t90 - t10, 1e-9)


def first_output(samples):
    return next(t for t, n in samples if n > 0)


def check_output(brokers, events, copies):
    """Reads back what the mock kept of the output and compares each
    message with the generator's event; returns how many were checked."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "bench-checker", "auto.offset.reset": "earliest"})
    # Assigned, not subscribed: a group join on the mock takes seconds.
    consumer.assign([TopicPartition(SINK, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    checked, idle_since = 0, time.perf_counter()
    while time.perf_counter() - idle_since < 3:
        batch = consumer.consume(num_messages=10000, timeout=0.5)
        if batch:
            idle_since = time.perf_counter()
        for m in batch:
            if m.error():
                continue
            got = json.loads(m.value())
            if copies:  # the floor: the input's bytes, unchanged
                if m.value() != events[int(got["id"].split("-")[1])]:
                    sys.exit(f"stream: the floor's output {m.value()[:80]} is not its input: no figure printed")
                checked += 1
                continue
            index = int(got["event_id"].split("-")[1])
            want = expected_output(events[index])
            got_fields = {k: got.get(k) for k in want}
            if got_fields != want or not got.get("processed_at"):
                sys.exit(f"stream: output {got} differs from the expected {want}: no figure printed")
            if m.key() is not None and m.key().decode() != want["event_id"]:
                sys.exit(f"stream: output key {m.key()} is not {want['event_id']}")
            checked += 1
    consumer.close()
    return checked


def tail(path, chars=3000):
    with open(path, errors="replace") as f:
        return f.read()[-chars:]


def weir_project(root, brokers, delivery):
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "streams"))
    with open(os.path.join(root, "weir.yml"), "w") as f:
        f.write(f'name: w3\nconnections:\n  events: {{type: kafka, brokers: "{brokers}"}}\n')
    body = "\n".join("  " + line for line in W3_SQL.splitlines())
    with open(os.path.join(root, "streams", "w3.yml"), "w") as f:
        f.write("stream: w3\n"
                f"source: {{connection: events, topics: [{SOURCE}], group: event-processor, start: earliest, "
                "format: json}\n"
                "batch: {max_rows: 10000, max_wait: 500ms}\n"
                f"transform: |\n{body}\n"
                f"sink: {{connection: events, topic: {SINK}, key: event_id}}\n"
                f"dead_letter: {{connection: events, topic: {DEAD}}}\n"
                f"delivery: {delivery}\n")


def side_command(side, args, brokers, events):
    if side.startswith("weir"):
        root = os.path.join(WORK, side)
        weir_project(root, brokers, side.split("-", 1)[1])
        return [os.path.abspath(args.weir), "stream", "w3", "--exit-when-idle", args.idle], root
    return [args.python, os.path.abspath(__file__), "peer", side, brokers, str(events)], WORK


def measure(side, args, events):
    cluster = MockCluster(args.mock)
    try:
        cmd, cwd = side_command(side, args, cluster.brokers, len(events))
        log = os.path.join(WORK, f"{side}.log")
        print(f"stream: {side}: {len(events):,} events", flush=True)
        result = run_side(side, cmd, cwd, cluster.brokers, events, args.window, log, args.timeout)
        if result["outputs"] != len(events):
            sys.exit(f"stream: {side} produced {result['outputs']:,} outputs for {len(events):,} events")
        result["checked"] = check_output(cluster.brokers, events, copies=(side == "floor"))
        if result["checked"] == 0:
            sys.exit(f"stream: {side}: no output message could be read back")
        result["log_tail"] = tail(log, 400).strip().splitlines()[-1:] if side.startswith("weir") else []
    finally:
        cluster.stop()
    print(f"stream: {side}: {result['rate']:,.0f} events/s ({result['steady']:,.0f} from 10% to 90%), "
          f"first output after {result['first_output']:.1f} s, {result['seconds']:.1f} s, cpu {result['cpu']:.1f} s "
          f"(waiting for a core {result['runqueue']:.1f} s), "
          f"peak {result['mb']:.0f} MB, {result['checked']:,} outputs checked", flush=True)
    return result


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def report(results, args, load_before, load_after):
    base = results.get("weir-at_least_once")
    lines = ["## Streams (issue 9): W3 Kafka → transform → Kafka", "",
             f"`bench/stream.py`: {args.events:,} events of {EVENT_BYTES} bytes (W3, seeded) through W3's transform on "
             f"librdkafka 2.0.2's mock cluster ({PARTITIONS} partitions per topic), produced while consumed (at most "
             f"{args.window:,} ahead); throughput from the first produce to the last output counted. Weir: "
             f"`{args.weir}`. The mock broker and "
             f"the producer share the two cores with the side measured. Load average before/after: {load_before} / "
             f"{load_after}.", "",
             "| side | events | events/s end to end | weir ÷ side | events/s 10%→90% | weir ÷ side | "
             "first output s | CPU s | events per CPU s | s waiting for a core | peak RSS MB | outputs checked |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for side, r in results.items():
        ratio = f"{base['rate'] / r['rate']:.2f}" if base else "—"
        steady = f"{base['steady'] / r['steady']:.2f}" if base else "—"
        lines.append(f"| {side} | {r['events']:,} | {r['rate']:,.0f} | {ratio} | {r['steady']:,.0f} | {steady} | "
                     f"{r['first_output']:.1f} | {r['cpu']:.1f} | {r['events'] / max(r['cpu'], 1e-9):,.0f} | {r['runqueue']:.1f} | {r['mb']:.0f} | {r['checked']:,} |")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(args.out + ".json", "w") as f:
        json.dump(results, f, indent=1)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "peer":
        peer_main(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--weir", required=True)
    parser.add_argument("--mock", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--w3-events", type=int, default=20_000)
    parser.add_argument("--batched-events", type=int, default=200_000)
    parser.add_argument("--window", type=int, default=40_000)
    parser.add_argument("--timeout", type=float, default=900)
    # Counted from weir's start: longer than joining the group on the mock.
    parser.add_argument("--idle", default="10s")
    parser.add_argument("--feed-linger-ms", type=int, default=100)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--sides", default="weir-at_least_once,weir-exactly_once,floor,batched,w3")
    args = parser.parse_args()
    FEED_LINGER_MS[0] = args.feed_linger_ms
    os.makedirs(WORK, exist_ok=True)
    events = cached_events(max(args.events, args.w3_events, args.batched_events), args.seed)
    sizes = {"w3": args.w3_events, "batched": args.batched_events}
    load_before = load_average()
    results = {}
    for side in args.sides.split(","):
        results[side] = measure(side, args, events[:sizes.get(side, args.events)])
    report(results, args, load_before, load_average())


if __name__ == "__main__":
    main()
