"""River's side of the `knn` member's reference test (Tests/OnlineLearningTests/NearestNeighborsTests.swift):
prequential k-nearest neighbours with label delay, as ../shared/data/README.md defines it, through river's
StandardScaler (and OneHotEncoder for categorical features) like the other references.

Run: python3 scripts/reference/river_knn.py DATA.csv META.json DELAY [--window 1000] [--neighbors 5] [--rows N]
                                                                                   (pip install river==0.26.1)
The model is `neighbors.KNNClassifier(n_neighbors=K, engine=neighbors.LazySearch(window_size=W))` — exact search over
the last W examples learned, votes weighted by 1 / distance, an exact match answers its class alone — or, for a
regression stream (`"task": "regression"` in META), `neighbors.KNNRegressor` with the same engine (the plain mean of
the neighbours' targets). River's default engine, SWINN, searches its window approximately; LazySearch is the exact
search the Swift model does. Prints one JSON object: accuracy (classifiers, the most likely class; river answers
nothing before its first example, counted wrong) or MAE (regressors, 0 before the first example), requests, CPU seconds,
and the same figure from request DELAY + 1 on (`lateAccuracy`, `lateMAE`: the requests answered after the first label
was learned; Flywheel answers class 0 or 0 before that).
"""
import argparse
import collections
import csv
import json
import time

from river import compose, neighbors, preprocessing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("meta")
    parser.add_argument("delay", type=int)
    parser.add_argument("--window", type=int, default=1000)
    parser.add_argument("--neighbors", type=int, default=5)
    parser.add_argument("--rows", type=int, default=None, help="only the first N rows of the stream")
    args = parser.parse_args()
    meta = json.load(open(args.meta))
    numeric = [f["name"] for f in meta["features"] if f["type"] == "numeric"]
    categorical = [f["name"] for f in meta["features"] if f["type"] == "categorical"]
    target = meta.get("target", "target")
    regression = meta.get("task") == "regression"

    start = time.process_time()
    steps = compose.Select(*numeric) | preprocessing.StandardScaler()
    if categorical:
        steps = steps + (compose.Select(*categorical) | preprocessing.OneHotEncoder())
    engine = neighbors.LazySearch(window_size=args.window)
    if regression:
        model = steps | neighbors.KNNRegressor(n_neighbors=args.neighbors, engine=engine)
    else:
        model = steps | neighbors.KNNClassifier(n_neighbors=args.neighbors, engine=engine)

    pending = collections.deque()
    late_from = args.delay + 1
    count = 0
    total = [0.0, 0.0]  # correct answers (or absolute error): all requests, requests from late_from on

    def score(entry):
        nonlocal count
        _, y, answer, index = entry
        count += 1
        value = abs((answer or 0.0) - y) if regression else float(answer == y)
        total[0] += value
        if index >= late_from:
            total[1] += value

    index = 0
    for row in csv.DictReader(open(args.data)):
        if args.rows is not None and index >= args.rows:
            break
        x = {name: float(row[name]) for name in numeric}
        x.update({name: row[name] for name in categorical})
        y = float(row[target]) if regression else int(float(row[target]))
        pending.append((x, y, model.predict_one(x), index))
        index += 1
        if len(pending) > args.delay:
            entry = pending.popleft()
            score(entry)
            model.learn_one(entry[0], entry[1])
    while pending:
        score(pending.popleft())
    result = {"requests": count, "cpuSeconds": round(time.process_time() - start, 3),
              "window": args.window, "neighbors": args.neighbors}
    name = "mae" if regression else "accuracy"
    result[name] = total[0] / count
    result["late" + ("MAE" if regression else "Accuracy")] = total[1] / max(1, count - late_from)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
