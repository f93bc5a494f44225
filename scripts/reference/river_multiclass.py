"""River's best single model on a multiclass stream at a label delay: the bar `flywheel demo --task multiclass`
is held to (issue 16).

Run: python3 scripts/reference/river_multiclass.py DATA.csv META.json DELAY [--models softmax,ovr,hat,arf]
                                                                                  (pip install river==0.26.1)
Prints one JSON object per model: accuracy of the most likely class over all requests (a model with no answer yet
counts as wrong), log loss of the true class's probability, CPU seconds. The protocol is the shared data sets'
(../shared/data/README.md): prequential, test-then-train, request i's label arrives right after request i + DELAY;
on the label the kept prediction is scored and the model learns from the kept features. Models, as the shared table
names them:
- `softmax`: StandardScaler | linear_model.SoftmaxRegression() (SGD 0.01)
- `ovr`:     StandardScaler | multiclass.OneVsRestClassifier(linear_model.LogisticRegression())  (SGD 0.01)
- `hat`:     tree.HoeffdingAdaptiveTreeClassifier(seed=42)
- `arf`:     forest.ARFClassifier(seed=42)
"""
import argparse
import collections
import csv
import json
import math
import time

from river import compose, forest, linear_model, multiclass, preprocessing, tree


def make(name, numeric):
    scaled = compose.Select(*numeric) | preprocessing.StandardScaler()
    if name == "softmax":
        return scaled | linear_model.SoftmaxRegression()
    if name == "ovr":
        return scaled | multiclass.OneVsRestClassifier(linear_model.LogisticRegression())
    if name == "hat":
        return tree.HoeffdingAdaptiveTreeClassifier(seed=42)
    if name == "arf":
        return forest.ARFClassifier(seed=42)
    raise SystemExit(f"unknown model {name}")


def run(name, rows, numeric, delay):
    model = make(name, numeric)
    start = time.process_time()
    pending = collections.deque()
    correct = count = 0
    log_loss = 0.0

    def arrive(entry):
        nonlocal correct, count, log_loss
        x, y, proba = entry
        count += 1
        predicted = max(proba, key=proba.get) if proba else None
        correct += int(predicted == y)
        log_loss -= math.log(min(max(proba.get(y, 0.0), 1e-15), 1 - 1e-15))
        model.learn_one(x, y)

    for x, y in rows:
        pending.append((x, y, model.predict_proba_one(x)))
        if len(pending) > delay:
            arrive(pending.popleft())
    while pending:
        arrive(pending.popleft())
    return {"model": name, "delay": delay, "accuracy": round(correct / count, 4), "logLoss": round(log_loss / count, 4),
            "requests": count, "cpuSeconds": round(time.process_time() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("meta")
    parser.add_argument("delay", type=int)
    parser.add_argument("--models", default="softmax,ovr,hat,arf")
    args = parser.parse_args()
    meta = json.load(open(args.meta))
    numeric = [f["name"] for f in meta["features"] if f["type"] == "numeric"]
    target = meta.get("target", "target")
    with open(args.data) as f:
        rows = [({n: float(r[n]) for n in numeric}, int(float(r[target]))) for r in csv.DictReader(f)]
    for name in args.models.split(","):
        print(json.dumps(run(name, rows, numeric, args.delay)), flush=True)


if __name__ == "__main__":
    main()
