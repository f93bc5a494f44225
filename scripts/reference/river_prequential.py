"""River's side of `flywheel-bench learning`: prequential logistic regression with label delay, as
../shared/data/README.md defines it, timed in process CPU seconds with CSV parsing included.

Run: python3 scripts/reference/river_prequential.py DATA.csv META.json DELAY [--optimizer sgd|adagrad|adam]
         [--lr RATE] [--l2 STRENGTH] [--model logreg|softmax]                                          (pip install river==0.26.1)
Prints one JSON object: accuracy, log loss, requests, CPU seconds. Without options the model is river's default
`linear_model.LogisticRegression()` (SGD lr 0.01); `--optimizer` swaps the weights' optimizer (`optim.AdaGrad(lr)`,
`optim.Adam(lr)`; the intercept keeps river's default SGD at 0.01). `--model softmax` runs
`linear_model.SoftmaxRegression` (no intercept) on a multiclass stream: accuracy of the most likely class, log loss of
the true class's probability.
"""
import argparse
import collections
import csv
import json
import math
import sys
import time

from river import compose, linear_model, optim, preprocessing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("meta")
    parser.add_argument("delay", type=int)
    parser.add_argument("--optimizer", choices=["sgd", "adagrad", "adam"], default="sgd")
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--l2", type=float, default=0.0)
    parser.add_argument("--model", choices=["logreg", "softmax"], default="logreg")
    args = parser.parse_args()
    data, meta_path, delay = args.data, args.meta, args.delay
    meta = json.load(open(meta_path))
    numeric = [f["name"] for f in meta["features"] if f["type"] == "numeric"]
    categorical = [f["name"] for f in meta["features"] if f["type"] == "categorical"]
    target = meta.get("target", "target")

    start = time.process_time()
    steps = compose.Select(*numeric) | preprocessing.StandardScaler()
    if categorical:
        steps = steps + (compose.Select(*categorical) | preprocessing.OneHotEncoder())
    lr = args.lr if args.lr is not None else {"sgd": 0.01, "adagrad": 0.1, "adam": 0.1}[args.optimizer]
    optimizer = {"sgd": optim.SGD, "adagrad": optim.AdaGrad, "adam": optim.Adam}[args.optimizer](lr)
    if args.model == "softmax":
        model = steps | linear_model.SoftmaxRegression(optimizer=optimizer, l2=args.l2)
    else:
        model = steps | linear_model.LogisticRegression(optimizer=optimizer, l2=args.l2)

    pending = collections.deque()
    correct = count = 0
    log_loss = 0.0
    classes = meta.get("classes", [0, 1])
    late = {"from": None, "correct": 0, "count": 0, "logLoss": 0.0}  # softmax: once every class has been learned

    def arrive(entry):
        nonlocal correct, count, log_loss
        x, y, proba, index = entry
        count += 1
        if args.model == "softmax":  # multiclass: the most likely class; log loss of the true class's probability
            predicted = max(proba, key=proba.get) if proba else None
            correct += int(predicted == y)
            loss = -math.log(min(max(proba.get(y, 0.0), 1e-15), 1 - 1e-15))
            log_loss += loss
            if late["from"] is None and len(proba) == len(classes):
                late["from"] = index
            if late["from"] is not None:
                late["correct"] += int(predicted == y)
                late["count"] += 1
                late["logLoss"] += loss
        else:
            p = proba.get(True, proba.get(1, 0.5))
            correct += int((p > 0.5) == (y == 1))
            q = min(max(p, 1e-15), 1 - 1e-15)
            log_loss -= math.log(q) if y == 1 else math.log(1 - q)
        model.learn_one(x, y)

    with open(data) as f:
        for index, row in enumerate(csv.DictReader(f)):
            x = {name: float(row[name]) for name in numeric}
            x.update({name: row[name] for name in categorical})
            y = int(float(row[target]))
            pending.append((x, y, model.predict_proba_one(x), index))
            if len(pending) > delay:
                arrive(pending.popleft())
    while pending:
        arrive(pending.popleft())
    seconds = time.process_time() - start
    result = {"accuracy": correct / count, "logLoss": log_loss / count, "requests": count, "cpuSeconds": seconds}
    if late["from"] is not None:  # river's softmax has no answer for a class before it learns one; compare from here
        result["fromRequest"] = late["from"]
        result["accuracyFrom"] = late["correct"] / late["count"]
        result["logLossFrom"] = late["logLoss"] / late["count"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
