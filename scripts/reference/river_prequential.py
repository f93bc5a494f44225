"""River's side of `flywheel-bench learning`: prequential logistic regression with label delay, as
../shared/data/README.md defines it, timed in process CPU seconds with CSV parsing included.

Run: python3 scripts/reference/river_prequential.py DATA.csv META.json DELAY   (pip install river==0.26.1)
Prints one JSON object: accuracy, log loss, requests, CPU seconds.
"""
import collections
import csv
import json
import math
import sys
import time

from river import compose, linear_model, preprocessing


def main() -> None:
    data, meta_path, delay = sys.argv[1], sys.argv[2], int(sys.argv[3])
    meta = json.load(open(meta_path))
    numeric = [f["name"] for f in meta["features"] if f["type"] == "numeric"]
    categorical = [f["name"] for f in meta["features"] if f["type"] == "categorical"]
    target = meta.get("target", "target")

    start = time.process_time()
    steps = compose.Select(*numeric) | preprocessing.StandardScaler()
    if categorical:
        steps = steps + (compose.Select(*categorical) | preprocessing.OneHotEncoder())
    model = steps | linear_model.LogisticRegression()

    pending = collections.deque()
    correct = count = 0
    log_loss = 0.0

    def arrive(entry):
        nonlocal correct, count, log_loss
        x, y, p = entry
        count += 1
        correct += int((p > 0.5) == (y == 1))
        q = min(max(p, 1e-15), 1 - 1e-15)
        log_loss -= math.log(q) if y == 1 else math.log(1 - q)
        model.learn_one(x, y)

    with open(data) as f:
        for row in csv.DictReader(f):
            x = {name: float(row[name]) for name in numeric}
            x.update({name: row[name] for name in categorical})
            y = int(float(row[target]))
            proba = model.predict_proba_one(x)
            p = proba.get(True, proba.get(1, 0.5))
            pending.append((x, y, p))
            if len(pending) > delay:
                arrive(pending.popleft())
    while pending:
        arrive(pending.popleft())
    seconds = time.process_time() - start
    print(json.dumps({"accuracy": correct / count, "logLoss": log_loss / count, "requests": count, "cpuSeconds": seconds}))


if __name__ == "__main__":
    main()
