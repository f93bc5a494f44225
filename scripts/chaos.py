#!/usr/bin/env python3
"""Flywheel's chaos harness (issue 14): the loop as separate processes under kill -9 and a broker stall.

Runs a `flywheel broker` process; the roles as separate `flywheel serve` processes (2 inference, 2 feedback,
1 trainer — the trainer process also runs the promoter and the registry recorder); an outside producer (two kcat
processes, fed at a fixed rate) of N requests from the bundled SEA stream and their labels (--label-delay requests
late), with a few malformed requests and out-of-class labels mixed in; `kill -9` of a random role process at
--kills random points (each restarted at once); one --stall-second broker stall (SIGSTOP / SIGCONT). When the
stream is in, it waits for the loop to settle, stops every role with SIGTERM, reads the topics back with kcat and
checks, from outside:

  - every well-formed request has a prediction (malformed ones are in the dead-letter topic);
  - every label is accounted for: joined (exactly one example with its request id), or dead-lettered;
  - no example is applied twice: the trainer's count of examples learned (kept with its saved state across
    restarts) equals the number of distinct request ids on the examples topic;
  - both inference processes end with the same champion, the one the models topic's decisions name in order,
    which is also the registry's champion alias;
  - the registry holds every version on the models topic and every decision exactly once;
  - every restarted role went on within the consumer group's session timeout + 30 s.

Its last line is

  chaos: requests 50000, without prediction 0, labels unaccounted 0, examples applied twice 0, champions agree yes, registry ok

and it exits 1 if any count is not 0 (2 for a harness error). Loopback only; it stops by itself.

Usage: scripts/chaos.py [--binary .build/release/flywheel] [--requests 50000] [--rate 500] [--kills 10]
                        [--stall 10] [--seed N] [--kill-each-role] [--keep DIR]
"""
import argparse
import csv
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SESSION_TIMEOUT_MS = 6000  # the embedded broker admits a new group member only after session.timeout.ms - 1 s
MAX_POLL_INTERVAL_MS = 20000
BUDGET_S = SESSION_TIMEOUT_MS / 1000 + 30  # issue 14: back to work within the session timeout + 30 s
TOPICS = {name: f"flywheel.{name}" for name in ["requests", "predictions", "labels", "examples", "models", "drift"]}
TOPICS["dead"] = "flywheel.dead-letter"
SLOTS = ["inference-1", "inference-2", "feedback-1", "feedback-2", "trainer"]


def say(text):
    print(f"chaos: {text}", flush=True)


class Role:
    """One role slot: a `flywheel serve` process, restarted in place after a kill; its output lines, timestamped."""

    def __init__(self, slot, args, work, bootstrap):
        self.slot, self.args, self.work, self.bootstrap = slot, args, work, bootstrap
        self.role = slot.split("-")[0]
        self.process = None
        self.lines = []  # (time, text) over every run of the slot
        self.starts = []  # start times
        self.lock = threading.Lock()

    def command(self):
        n = self.slot.split("-")[-1]
        return [
            self.args.binary, "serve", "--bootstrap-servers", self.bootstrap, "--role", self.role,
            "--schema", os.path.join(REPO, "streams/sea_abrupt.schema.json"),
            "--registry", os.path.join(self.work, "registry.sqlite"),
            "--trainer-state", os.path.join(self.work, "trainer.sqlite"),
            "--feedback-state", os.path.join(self.work, f"feedback-{n}.sqlite"),
            "--status-every", "2", "--log-level", "warning", "--http", "127.0.0.1:0",
            "-X", f"session.timeout.ms={SESSION_TIMEOUT_MS}", "-X", "heartbeat.interval.ms=1000",
            # The embedded broker can lose a JoinGroup in flight across a stall; librdkafka then waits out the
            # rebalance timeout (max.poll.interval.ms, 300 s by default) before it joins again.
            "-X", f"max.poll.interval.ms={MAX_POLL_INTERVAL_MS}",
        ]

    def start(self):
        err = open(os.path.join(self.work, f"{self.slot}.err"), "ab")
        self.process = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=err, cwd=self.work, text=True)
        self.starts.append(time.monotonic())
        process = self.process
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process):
        with open(os.path.join(self.work, f"{self.slot}.out"), "a") as log:
            for line in process.stdout:
                now = time.monotonic()
                log.write(f"{now:.2f} {line}")
                with self.lock:
                    self.lines.append((now, line.rstrip("\n")))

    def kill_and_restart(self):
        self.process.kill()  # SIGKILL
        self.process.wait()
        self.start()

    def stop(self, timeout=60):
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def status_lines(self, since=0.0):
        with self.lock:
            return [(t, text) for t, text in self.lines if t >= since]


COUNTERS = {
    "inference": re.compile(r"served (\d+)"),
    "feedback": re.compile(r"joined (\d+)"),
    "trainer": re.compile(r"learned (\d+)"),
}


ASSIGNED = re.compile(r"from (\d+) partitions")


def recovery_seconds(role, kill_time, next_kill_time, stall):
    """Seconds from a restart until the restarted process reports input partitions assigned to it (it is back in its
    consumer group, reading), not counting the broker stall (an outage is not the role's doing), or None when it was
    killed again first, within the budget."""
    def without_stall(end):
        overlap = 0.0 if stall is None else max(0.0, min(end, stall[1]) - max(kill_time, stall[0]))
        return end - kill_time - overlap

    for t, text in role.status_lines(since=kill_time):
        if next_kill_time is not None and t >= next_kill_time:
            # Killed again before it went on: the next restart is timed instead — unless it was already late.
            return None if without_stall(next_kill_time) <= BUDGET_S else without_stall(next_kill_time)
        match = ASSIGNED.search(text)
        if match and int(match.group(1)) > 0:
            return without_stall(t)
    return float("inf")


def kcat(bootstrap, *args, **kwargs):
    return subprocess.run(["kcat", "-b", bootstrap, *args], check=True, capture_output=True, **kwargs)


def read_topic(bootstrap, topic):
    """Every record of `topic`: (partition, offset, key, value)."""
    out = kcat(bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p\t%o\t%k\t%S\t%s\n").stdout
    records, at = [], 0
    # %S gives each value's size to split exactly (values may hold newlines; the examples topic's are binary,
    # docs/event-formats.md, read here for their keys only: their bytes are decoded leniently).
    while at < len(out):
        fields = []
        for _ in range(4):
            tab = out.index(b"\t", at)
            fields.append(out[at:tab])
            at = tab + 1
        size = int(fields[3])
        records.append((int(fields[0]), int(fields[1]), fields[2].decode(), out[at:at + size].decode("utf-8", "replace")))
        at += size + 1
    return records


def produce(args, bootstrap, rows, stop_at):
    """The outside producer: requests and their labels at a fixed rate through two kcat processes."""
    def kcat_producer(topic):
        return subprocess.Popen(
            ["kcat", "-b", bootstrap, "-P", "-t", topic, "-K", "\t", "-X", "linger.ms=5"],
            stdin=subprocess.PIPE, text=True)

    requests, labels = kcat_producer(TOPICS["requests"]), kcat_producer(TOPICS["labels"])
    sent = {"requests": 0, "malformed": set(), "labels": 0, "bad_labels": set(), "label_ids": []}
    start = time.monotonic()
    pending = []  # label lines waiting their turn (label_delay requests late)
    chunk = max(1, args.rate // 50)
    for first in range(0, args.requests, chunk):
        for i in range(first, min(args.requests, first + chunk)):
            x0, x1, x2, target = rows[i % len(rows)]
            rid = f"{args.run_id}-{i}"
            if i % 997 == 500:
                requests.stdin.write(f'{rid}\t{{"id": "{rid}", "ts": {i}, "features": {{"x0": \n')  # cut short
                sent["malformed"].add(rid)
            else:
                request = {"id": rid, "ts": float(i), "features": {"x0": float(x0), "x1": float(x1), "x2": float(x2)}}
                requests.stdin.write(f"{rid}\t{json.dumps(request)}\n")
                label = 7.0 if i % 1009 == 700 else float(target)
                if label == 7.0:
                    sent["bad_labels"].add(rid)
                pending.append((rid, json.dumps({"id": rid, "ts": float(i) + 0.5, "label": label})))
            sent["requests"] += 1
            while len(pending) > args.label_delay or (i == args.requests - 1 and pending):
                rid_l, line = pending.pop(0)
                labels.stdin.write(f"{rid_l}\t{line}\n")
                sent["label_ids"].append(rid_l)
                sent["labels"] += 1
        requests.stdin.flush()
        labels.stdin.flush()
        due = start + (first + chunk) / args.rate
        time.sleep(max(0.0, due - time.monotonic()))
    requests.stdin.close()
    labels.stdin.close()
    if requests.wait() != 0 or labels.wait() != 0:
        raise RuntimeError("a kcat producer failed")
    stop_at["stream_end"] = time.monotonic()
    return sent


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(REPO, ".build/release/flywheel"))
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--rate", type=int, default=500, help="requests per second")
    parser.add_argument("--label-delay", type=int, default=1000, help="labels arrive this many requests late")
    parser.add_argument("--kills", type=int, default=10, help="kill -9 of a random role process, this many times")
    parser.add_argument("--kill-each-role", action="store_true", help="instead: one kill of each role process")
    parser.add_argument("--stall", type=float, default=10, help="seconds of broker stall (0: none)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--partitions", type=int, default=12,
                        help="partitions per topic; the embedded broker keeps at most ~5 MB per partition, so the "
                             "topics can be read back whole only when each partition stays below that")
    parser.add_argument("--settle", type=float, default=240, help="at most this many seconds to settle after the stream")
    parser.add_argument("--keep", default=None, help="keep the work directory here")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    args.run_id = f"c{seed}"
    if not os.access(args.binary, os.X_OK):
        print(f"chaos: {args.binary} is not built (swift build -c release --product flywheel)", file=sys.stderr)
        return 2
    if shutil.which("kcat") is None:
        print("chaos: kcat is not installed (bash scripts/install-deps.sh)", file=sys.stderr)
        return 2

    work = args.keep or tempfile.mkdtemp(prefix="flywheel-chaos-")
    os.makedirs(work, exist_ok=True)
    if os.listdir(work):
        print(f"chaos: {work} is not empty; give --keep a new directory", file=sys.stderr)
        return 2
    with open(os.path.join(REPO, "streams/data/sea_abrupt.csv")) as f:
        rows = [row for row in csv.reader(f)][1:]
    broker = subprocess.Popen(
        [args.binary, "broker", "--partitions", str(args.partitions), "--bootstrap-file", os.path.join(work, "bootstrap"),
         "--log-level", "warning", "--exit-with-parent"],
        stdout=open(os.path.join(work, "broker.out"), "w"), stderr=open(os.path.join(work, "broker.err"), "w"))
    roles = []
    try:
        for _ in range(100):
            if os.path.exists(os.path.join(work, "bootstrap")) and os.path.getsize(os.path.join(work, "bootstrap")) > 0:
                break
            time.sleep(0.1)
        bootstrap = open(os.path.join(work, "bootstrap")).read().strip()
        say(f"seed {seed}; broker (pid {broker.pid}) at {bootstrap}; work in {work}")
        roles = [Role(slot, args, work, bootstrap) for slot in SLOTS]
        for role in roles:
            role.start()
        # Wait until each role process reports (its groups formed) before the stream starts.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(role.status_lines() for role in roles):
            time.sleep(0.2)
        # Then let the groups form: the embedded broker's first join takes 3 s, a second member waits
        # session.timeout.ms - 1 s.
        time.sleep(SESSION_TIMEOUT_MS / 1000 + 4)

        duration = args.requests / args.rate
        if args.kill_each_role:
            kills = [(0.75 * duration * (k + 1) / len(roles), role) for k, role in enumerate(roles)]
        else:
            kills = sorted(((rng.uniform(0.05, 0.75) * duration, rng.choice(roles)) for _ in range(args.kills)), key=lambda k: k[0])
        stall_at = rng.uniform(0.2, 0.7) * duration if args.stall > 0 else None
        stop_at = {}
        sent_box = {}
        producer = threading.Thread(target=lambda: sent_box.update(produce(args, bootstrap, rows, stop_at)), daemon=True)
        start = time.monotonic()
        producer.start()
        say(f"producing {args.requests} requests at {args.rate}/s with labels {args.label_delay} requests late; "
            f"{len(kills)} kills at {', '.join(f'{t:.0f}s {r.slot}' for t, r in kills)}"
            + (f"; broker stall of {args.stall:g} s at {stall_at:.0f}s" if stall_at else ""))
        events = [(t, "kill", role) for t, role in kills] + ([(stall_at, "stall", None)] if stall_at else [])
        killed = []  # (role, kill time)
        stall = None  # (start, end) of the broker stall
        for at, kind, role in sorted(events, key=lambda e: e[0]):
            time.sleep(max(0.0, start + at - time.monotonic()))
            if kind == "kill":
                killed.append((role, time.monotonic()))
                role.kill_and_restart()
                say(f"{time.monotonic() - start:5.1f}s kill -9 {role.slot} (pid {role.process.pid} now)")
            else:
                stall = (time.monotonic(), time.monotonic() + args.stall)
                broker.send_signal(signal.SIGSTOP)
                say(f"{time.monotonic() - start:5.1f}s broker stalled (SIGSTOP) for {args.stall:g} s")
                time.sleep(args.stall)
                broker.send_signal(signal.SIGCONT)
                say(f"{time.monotonic() - start:5.1f}s broker resumed (SIGCONT)")
        producer.join()
        sent = sent_box
        if not sent:
            raise RuntimeError("the producer failed")
        say(f"{time.monotonic() - start:5.1f}s stream in: {sent['requests']} requests, {sent['labels']} labels")

        # Settle: until every well-formed request is predicted and every good label joined, or --settle seconds.
        well_formed = {f"{args.run_id}-{i}" for i in range(args.requests)} - sent["malformed"]
        good_labels = set(sent["label_ids"]) - sent["bad_labels"]
        deadline = time.monotonic() + args.settle
        learned, changed, last_read = None, time.monotonic(), 0.0
        while time.monotonic() < deadline:
            time.sleep(2)
            count = last_count(roles[4], "trainer")
            if count != learned:
                learned, changed = count, time.monotonic()
            # Reading the topics back is slow on the embedded broker: only once the trainer has been quiet for 15 s.
            if time.monotonic() - changed < 15 or time.monotonic() - last_read < 30:
                continue
            last_read = time.monotonic()
            predicted = {k for _, _, k, _ in read_topic(bootstrap, TOPICS["predictions"])}
            joined = {k for _, _, k, _ in read_topic(bootstrap, TOPICS["examples"])}
            say(f"{time.monotonic() - start:5.1f}s settling: predicted {len(predicted & well_formed)}/{len(well_formed)}, "
                f"joined {len(joined & good_labels)}/{len(good_labels)}, trainer learned {learned}")
            if well_formed <= predicted and good_labels <= joined and learned is not None and learned >= len(joined):
                break
        time.sleep(4)  # two status intervals, and the last saves
        exits = {role.slot: role.stop() for role in roles}
        say(f"{time.monotonic() - start:5.1f}s roles stopped (SIGTERM): "
            + ", ".join(f"{slot} exit {code}" for slot, code in exits.items()))
        return check(args, bootstrap, work, roles, sent, killed, stall, exits)
    finally:
        for role in roles:
            if role.process and role.process.poll() is None:
                role.process.kill()
        broker.send_signal(signal.SIGCONT)
        broker.terminate()
        try:
            broker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            broker.kill()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def last_count(role, kind):
    for _, text in reversed(role.status_lines()):
        match = COUNTERS[kind].search(text)
        if match:
            return int(match.group(1))
    return None


def check(args, bootstrap, work, roles, sent, killed, stall, exits):
    requests = read_topic(bootstrap, TOPICS["requests"])
    predictions = read_topic(bootstrap, TOPICS["predictions"])
    labels = read_topic(bootstrap, TOPICS["labels"])
    examples = read_topic(bootstrap, TOPICS["examples"])
    models = read_topic(bootstrap, TOPICS["models"])
    dead_by_topic = {}  # a dead letter is keyed by the key of the record it stands for
    for _, _, key, value in read_topic(bootstrap, TOPICS["dead"]):
        dead_by_topic.setdefault(json.loads(value)["source"]["topic"], set()).add(key)

    request_ids = {k for _, _, k, _ in requests}
    predicted = {}
    for _, _, k, _ in predictions:
        predicted[k] = predicted.get(k, 0) + 1
    dead_requests = dead_by_topic.get(TOPICS["requests"], set())
    without_prediction = len(request_ids - set(predicted) - dead_requests)
    answered_twice = sum(1 for count in predicted.values() if count > 1)

    label_ids = [k for _, _, k, _ in labels]
    example_ids = {}
    for _, _, k, _ in examples:
        example_ids[k] = example_ids.get(k, 0) + 1
    dead_labels = dead_by_topic.get(TOPICS["labels"], set())
    unaccounted = sum(1 for k in set(label_ids) if k not in example_ids and k not in dead_labels)
    joined_twice = sum(1 for count in example_ids.values() if count > 1)

    learned = last_count(roles[4], "trainer")
    applied_twice = max(0, (learned or 0) - len(example_ids))
    not_applied = max(0, len(example_ids) - (learned or 0))

    # The champion by the models topic's decisions, in order (all model events are in one partition).
    events = sorted(((p, o, json.loads(v)) for p, _o, _k, v in models for o in [_o]), key=lambda e: (e[0], e[1]))
    partitions = {p for p, _, _ in events}
    champion = "logreg"
    versions, decisions = set(), set()
    for _, _, event in events:
        model = event["model"]
        if event["kind"] == "version":
            versions.add((model["id"], model["version"]))
        else:
            replaces = event.get("replaces") or {}
            decisions.add((event["kind"], model["id"], model["version"], replaces.get("id"), replaces.get("version")))
            if event["kind"] in ("promotion", "rollback") and replaces.get("id") == champion:
                champion = model["id"]
    final = {}
    for role in roles[:2]:
        stopped = [text for _, text in role.status_lines() if text.startswith("Flywheel stopped")]
        match = re.search(r"champion (\S+) v(\d+)", stopped[-1]) if stopped else None
        final[role.slot] = (match.group(1), int(match.group(2))) if match else None
    db = sqlite3.connect(os.path.join(work, "registry.sqlite"))
    alias = db.execute("SELECT model_id FROM aliases WHERE name = 'champion'").fetchone()
    stored_versions = set(db.execute("SELECT model_id, model_version FROM versions").fetchall())
    log = db.execute("SELECT kind, model_id, model_version, replaces_id, replaces_version FROM audit_log").fetchall()
    db.close()
    served = {v for v in final.values()}
    agree = None not in served and len(served) == 1 and next(iter(served))[0] == champion
    registry_problems = []
    if alias is None or alias[0] != champion:
        registry_problems.append(f"alias {alias and alias[0]} but the decisions name {champion}")
    if not versions <= stored_versions:
        registry_problems.append(f"{len(versions - stored_versions)} versions on the topic are not in the registry")
    if len(log) != len(set(log)) or set(log) != decisions:
        registry_problems.append(f"audit log has {len(log)} rows ({len(set(log))} distinct) for {len(decisions)} decisions on the topic")
    if len(partitions) > 1:
        registry_problems.append(f"model events spread over partitions {sorted(partitions)}")

    budget = BUDGET_S
    recoveries = []
    for index, (role, at) in enumerate(killed):
        later = [t for r, t in killed[index + 1:] if r is role]
        seconds = recovery_seconds(role, at, later[0] if later else None, stall)
        if seconds is not None:
            recoveries.append((role.slot, seconds))
    slow = [(slot, s) for slot, s in recoveries if s > budget]

    say(f"requests {len(request_ids)} ({len(dead_requests)} malformed, dead-lettered); "
        f"{len(predictions)} predictions, {answered_twice} requests answered twice (at least once is the contract)")
    say(f"labels {len(set(label_ids))}: {len(set(label_ids) & set(example_ids))} joined, "
        f"{len(dead_labels)} dead-lettered (outside the classes); {joined_twice} requests with more than one example "
        f"on {TOPICS['examples']}")
    say(f"trainer learned {learned} examples of {len(example_ids)} distinct request ids (not applied {not_applied}); "
        f"models topic: {len(versions)} versions, {len(decisions)} decisions; champion {champion}; "
        f"inference ends with {', '.join(f'{slot} {v[0]} v{v[1]}' if v else f'{slot} ?' for slot, v in final.items())}")
    if recoveries:
        say("back to work after each kill -9 (s): " + ", ".join(f"{slot} {s:.1f}" for slot, s in recoveries)
            + f"; budget {budget:g} s (session timeout + 30 s; the broker stall not counted)")
    for problem in registry_problems:
        say(f"registry: {problem}")
    for slot, s in slow:
        say(f"{slot} took {s:.1f} s to go on after a restart (more than {budget:g} s)")
    bad_exits = {slot: code for slot, code in exits.items() if code != 0}
    if bad_exits:
        say(f"roles that did not stop cleanly: {bad_exits}")
    if joined_twice:
        say(f"{joined_twice} requests were joined more than once (each label should be joined exactly once)")
    ok = (without_prediction == 0 and unaccounted == 0 and joined_twice == 0 and applied_twice == 0 and not_applied == 0 and agree
          and not registry_problems and not slow and not bad_exits)
    say(f"requests {len(request_ids)}, without prediction {without_prediction}, labels unaccounted {unaccounted}, "
        f"examples applied twice {applied_twice}, champions agree {'yes' if agree else 'no'}, "
        f"registry {'ok' if not registry_problems else 'NOT ok'}")
    return 0 if ok else 1


def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # runs main()'s cleanup: every role process and the broker are stopped


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
