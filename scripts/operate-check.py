#!/usr/bin/env python3
"""Operates a running `flywheel serve` from outside: its metrics against what the process itself prints, the admin
API's refusals, and the `flywheel models` command.

Starts `flywheel serve` (every role, embedded broker, HTTP on a free port, an admin token in the environment), sends
requests and their labels through kcat (a few requests malformed, one label outside the classes), scrapes /metrics
while the loop runs and parses every scrape with prometheus_client's text parser (the reference parser, not ours).
Once everything is served and joined it scrapes a last time, checks that an admin request without a token or with a
wrong one is refused (401) and leaves the audit log (/decisions) as it was, stops the process with SIGTERM, and
compares the last scrape with the summary line the process prints when it stops ("Flywheel stopped: served …").
Before stopping it, it runs `flywheel models` as an operator would: list, a promotion without a token and with a
wrong one (refused, nothing changes), then with the token (the champion changes in /champion and the audit log names
the operator), freeze and unfreeze; and it has headless Chromium load the live /report page and dump its DOM, which
must have a section for every model /models lists and the operator's actions among the decisions.

Its last line is

  operate-check: requests 3000, counters equal to the summary 9/9, admin refused without token 2/2, models CLI 6/6,
  report page complete, scrapes parsed N

and it exits 1 if any check fails (2 for a harness error). Loopback only; it stops by itself.

Usage: scripts/operate-check.py [--binary .build/debug/flywheel] [--requests 3000] [--rate 1000]
                                [--screenshot docs/live-report.png]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser

from prometheus_client.parser import text_string_to_metric_families

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "operate-check-token-0123456789"


def say(text):
    print(f"operate-check: {text}", flush=True)


class Serve:
    """A `flywheel serve` process and the lines it prints."""

    def __init__(self, binary, work):
        env = dict(os.environ, FLYWHEEL_ADMIN_TOKEN=TOKEN, OPENBLAS_NUM_THREADS="1")
        self.process = subprocess.Popen(
            [binary, "serve", "--schema", os.path.join(REPO, "streams/sea_abrupt.schema.json"),
             "--http", "127.0.0.1:0", "--status-every", "0", "--log-level", "warning", "--publish-every", "200",
             "--drift-report-every", "500"],
            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                found = re.search(pattern, line)
                if found:
                    return found
            if self.process.poll() is not None:
                raise RuntimeError("flywheel serve exited:\n" + "\n".join(self.lines))
            time.sleep(0.05)
        raise RuntimeError(f"no line matching {pattern!r} in {timeout} s:\n" + "\n".join(self.lines))


def get(url, token=None, method="GET", body=None):
    request = urllib.request.Request(url, method=method, data=body)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(base):
    """The metrics as {(name, labels tuple): value}, parsed by prometheus_client."""
    status, text = get(base + "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def total(samples, name, **labels):
    """The sum of every sample of `name` whose labels include `labels`."""
    return sum(value for (sample, sample_labels), value in samples.items()
               if sample == name and all(dict(sample_labels).get(k) == v for k, v in labels.items()))


def produce(bootstrap, requests, rate, label_delay):
    """Requests and their labels through kcat; every 500th request is cut short, one label is class 7."""
    def kcat(topic):
        return subprocess.Popen(["kcat", "-b", bootstrap, "-P", "-t", topic, "-K", "\t", "-X", "linger.ms=5"],
                                stdin=subprocess.PIPE, text=True)
    rows = [line.strip().split(",") for line in open(os.path.join(REPO, "streams/data/sea_abrupt.csv"))][1:]
    request_out, label_out = kcat("flywheel.requests"), kcat("flywheel.labels")
    pending, sent = [], {"malformed": 0, "labels": 0}
    start = time.monotonic()
    for i in range(requests):
        rid = f"mc-{i}"
        if i % 500 == 250:
            request_out.stdin.write(f'{rid}\t{{"id": "{rid}", "features": {{"x0": \n')
            sent["malformed"] += 1
        else:
            x0, x1, x2, target = rows[i % len(rows)]
            request = {"id": rid, "ts": time.time(), "features": {"x0": float(x0), "x1": float(x1), "x2": float(x2)}}
            request_out.stdin.write(f"{rid}\t{json.dumps(request)}\n")
            pending.append((rid, 7.0 if i == 1234 else float(target)))
        while len(pending) > label_delay or (i == requests - 1 and pending):
            lid, label = pending.pop(0)
            label_out.stdin.write(f"{lid}\t{json.dumps({'id': lid, 'ts': time.time(), 'label': label})}\n")
            sent["labels"] += 1
        if i % 100 == 99:
            request_out.stdin.flush()
            label_out.stdin.flush()
            time.sleep(max(0.0, start + (i + 1) / rate - time.monotonic()))
    for out in (request_out, label_out):
        out.stdin.close()
        if out.wait() != 0:
            raise RuntimeError("kcat failed")
    return sent


def models_cli(binary, base, failures):
    """`flywheel models` against the admin API; returns how many of its 6 checks held."""
    def run(*arguments, token=None):
        env = {k: v for k, v in os.environ.items() if k != "FLYWHEEL_ADMIN_TOKEN"}
        if token is not None:
            env["FLYWHEEL_ADMIN_TOKEN"] = token
        done = subprocess.run([binary, "models", *arguments, "--url", base], env=env, capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout + done.stderr
    champion = json.loads(get(base + "/champion")[1])["champion"]["id"]
    listed = json.loads(get(base + "/models")[1])
    target = next(model["id"] for model in listed if not model["champion"])
    checks = []
    code, out = run("list")
    checks.append(("list names the champion", code == 0 and champion in out and "champion" in out, out))
    code, out = run("promote", target)
    checks.append(("promote without a token is refused", code != 0 and "no admin token" in out, out))
    code, out = run("promote", target, token="wrong-token-0123456789")
    checks.append(("promote with a wrong token is refused", code != 0 and "401" in out, out))
    unchanged = json.loads(get(base + "/champion")[1])["champion"]["id"] == champion
    code, out = run("promote", target, "--reason", "operate-check", token=TOKEN)
    def promoted():
        # The inference role switches and the registry's recorder logs it, each as it reads flywheel.models.
        now = json.loads(get(base + "/champion")[1])["champion"]["id"]
        logged = [d for d in json.loads(get(base + "/decisions")[1]) if d["actor"] == "operator:admin"]
        return now == target and any(d["kind"] == "promotion" and d["model"]["id"] == target for d in logged)
    deadline = time.monotonic() + 30
    while not promoted() and time.monotonic() < deadline:
        time.sleep(0.1)
    checks.append(("promote with the token changes the champion", code == 0 and unchanged and promoted(), out))
    code, out = run("freeze", "--reason", "operate-check", token=TOKEN)
    checks.append(("freeze", code == 0 and "frozen" in out and json.loads(get(base + "/champion")[1]).get("frozen") is True, out))
    code, out = run("unfreeze", token=TOKEN)
    checks.append(("unfreeze", code == 0 and json.loads(get(base + "/champion")[1]).get("frozen") is False, out))
    for name, ok, out in checks:
        say(f"  models CLI: {name:45} {'ok' if ok else 'FAILED'}")
        if not ok:
            failures.append(f"models CLI: {name}: {out.strip()}")
    return sum(ok for _, ok, _ in checks)


class ModelSections(HTMLParser):
    """The model ids of a report page's `<section class="model"><h2>id — …</h2>` headings."""

    def __init__(self):
        super().__init__()
        self.depth, self.in_heading, self.models = 0, False, []

    def handle_starttag(self, tag, attrs):
        if tag == "section" and ("class", "model") in attrs:
            self.depth = 1
        elif tag == "h2" and self.depth:
            self.in_heading = True

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_heading = False
        elif tag == "section":
            self.depth = 0

    def handle_data(self, data):
        if self.in_heading:
            self.models.append(data.split(" — ")[0].strip())
            self.in_heading = False


def report_dom(base, failures):
    """Headless Chromium's DOM of /report: 'complete' when every model of /models has its section and the
    decisions table names the operator; otherwise what is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        failures.append("chromium is not installed (bash scripts/install-deps.sh)")
        return "not checked"
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", base + "/report"],
                          capture_output=True, text=True, timeout=120)
    parser = ModelSections()
    parser.feed(done.stdout)
    expected = sorted(model["id"] for model in json.loads(get(base + "/models")[1]))
    missing = sorted(set(expected) - set(parser.models))
    if missing or done.returncode != 0:
        failures.append(f"the report page lacks models {missing} (chromium exit {done.returncode}: {done.stderr[-300:]})")
    if "operator:admin" not in done.stdout:
        failures.append("the report page's decisions do not name the operator")
    say(f"  report page (Chromium DOM): models {sorted(parser.models)} of {expected}")
    return "complete" if not missing and "operator:admin" in done.stdout and done.returncode == 0 else "INCOMPLETE"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(REPO, ".build/debug/flywheel"))
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--label-delay", type=int, default=200)
    parser.add_argument("--screenshot", help="also save headless Chromium's screenshot of /report here (docs/live-report.png)")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    if shutil.which("kcat") is None:
        print("operate-check: kcat is not installed (bash scripts/install-deps.sh)", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="operate-check-")
    serve = Serve(args.binary, work)
    failures = []
    try:
        bootstrap = serve.wait_for(r"bootstrap\.servers=(\S+) \(embedded broker\)").group(1)
        base = "http://" + serve.wait_for(r"HTTP on http://(127\.0\.0\.1:\d+)").group(1)
        deadline = time.monotonic() + 60
        while get(base + "/readyz")[0] != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("/readyz never answered 200: " + get(base + "/readyz")[1])
            time.sleep(0.1)
        say(f"serve ready at {base} (Kafka {bootstrap}); sending {args.requests} requests at {args.rate}/s")
        scrapes = [scrape(base)]
        producer = threading.Thread(target=lambda: sent.update(produce(bootstrap, args.requests, args.rate, args.label_delay)))
        sent = {}
        producer.start()
        while producer.is_alive():
            scrapes.append(scrape(base))  # parsed while the loop runs
            time.sleep(0.5)
        producer.join()
        valid = args.requests - sent["malformed"]
        deadline = time.monotonic() + 120
        while True:
            samples = scrape(base)
            scrapes.append(samples)
            served = total(samples, "flywheel_requests_served_total")
            settled = total(samples, "flywheel_labels_received_total")
            if served >= valid and settled >= sent["labels"] and total(samples, "flywheel_labels_waiting") == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the loop did not settle: served {served}/{valid}, labels {settled}/{sent['labels']}")
            time.sleep(0.5)
        time.sleep(3)  # the trainer's last versions and decisions
        final = scrape(base)
        scrapes.append(final)
        say(f"settled: served {served:.0f}, labels received {settled:.0f}")

        # Admin actions without a token, or with a wrong one: 401, and the audit log does not change.
        before = get(base + "/decisions")
        refused = 0
        for token in (None, "not-the-token-at-all"):
            status, body = get(base + "/freeze", token=token, method="POST", body=b"{}")
            refused += status == 401
            if status != 401:
                failures.append(f"POST /freeze with token {token!r} answered {status}: {body}")
        if get(base + "/decisions") != before:
            failures.append("the audit log changed after refused admin requests")
        # The final scrape must not move once the stream is over (nothing else happens).
        final = scrape(base)

        # The operator's command line.
        cli = models_cli(args.binary, base, failures)

        # The live report as a browser renders it: every model has its section, the operator's actions are listed.
        page = report_dom(base, failures)
        if args.screenshot:
            browser = shutil.which("chromium") or shutil.which("chromium-browser")
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            "--window-size=1200,2200", f"--screenshot={os.path.abspath(args.screenshot)}", base + "/report"],
                           capture_output=True, timeout=120, check=True)
            say(f"screenshot of {base}/report saved to {args.screenshot}")

        serve.process.send_signal(signal.SIGTERM)
        summary = serve.wait_for(r"Flywheel stopped: (.*)", timeout=60).group(1)
        serve.process.wait(timeout=60)
        say(f"summary: {summary}")
        numbers = {
            "served": r"served (\d+) \(dead-lettered (\d+)\)",
            "joined": r"joined (\d+) \(unlabeled (\d+)\)",
            "labels": r"labels (\d+) received = (\d+) joined \+ (\d+) orphaned \+ (\d+) duplicate \+ (\d+) dead-lettered",
            "learned": r"learned (\d+) .*versions (\d+), decisions (\d+)",
        }
        parsed = {}
        for key, pattern in numbers.items():
            found = re.search(pattern, summary)
            if not found:
                raise RuntimeError(f"the summary has no {key}: {summary}")
            parsed[key] = [int(group) for group in found.groups()]
        checks = [
            ("requests served", final and total(final, "flywheel_requests_served_total"), parsed["served"][0]),
            ("requests dead-lettered", total(final, "flywheel_dead_lettered_total", role="inference"), parsed["served"][1]),
            ("examples joined", total(final, "flywheel_labels_total", outcome="joined"), parsed["joined"][0]),
            ("predictions unlabeled", total(final, "flywheel_predictions_unlabeled_total"), parsed["joined"][1]),
            ("labels received", total(final, "flywheel_labels_received_total"), parsed["labels"][0]),
            ("labels dead-lettered", total(final, "flywheel_labels_total", outcome="dead_lettered"), parsed["labels"][4]),
            ("examples learned", total(final, "flywheel_examples_learned_total"), parsed["learned"][0]),
            ("versions published", total(final, "flywheel_model_versions_published_total"), parsed["learned"][1]),
            ("decisions", total(final, "flywheel_decisions_total"), parsed["learned"][2]),
        ]
        equal = 0
        for name, metric, printed in checks:
            ok = metric == printed
            equal += ok
            say(f"  {name:24} metric {metric:>8.0f}   summary {printed:>8}   {'ok' if ok else 'DIFFERENT'}")
            if not ok:
                failures.append(f"{name}: metric {metric} != summary {printed}")
        delays = total(final, "flywheel_label_delay_seconds_count")
        if delays != parsed["joined"][0]:
            failures.append(f"label delay histogram counted {delays} joins, the summary {parsed['joined'][0]}")
        if parsed["served"][1] != sent["malformed"]:
            failures.append(f"{sent['malformed']} malformed requests sent, {parsed['served'][1]} dead-lettered")
        for failure in failures:
            say("FAILED: " + failure)
        say(f"requests {args.requests}, counters equal to the summary {equal}/{len(checks)}, "
            f"admin refused without token {refused}/2, models CLI {cli}/6, report page {page}, scrapes parsed {len(scrapes)}")
        return 1 if failures else 0
    finally:
        if serve.process.poll() is None:
            serve.process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as error:
        print(f"operate-check: harness error: {error}", file=sys.stderr)
        sys.exit(2)
