"""Writes two drifting streams that are *not* bundled, to check the loop on data it was not tuned on (issue 16):
a binary hyperplane with gradual drift and a four-class random-RBF stream with moving centroids.

Run: python3 scripts/reference/make_outside_streams.py [DIR]        (pip install river==0.26.1; DIR default
     /tmp/flywheel-outside)

Each stream is a CSV (numeric features x0…, label `target`) and a `.meta.json` schema next to it, 50,000 rows:
- `hyperplane`: river `datasets.synth.Hyperplane(seed=1, n_features=10, n_drift_features=2, mag_change=0.001,
  noise_percentage=0.05, sigma=0.1)` — the concept turns a little with every row;
- `rbfdrift`: river `datasets.synth.RandomRBFDrift(seed_model=1, seed_sample=1, n_classes=4, n_features=10,
  n_centroids=50, change_speed=0.0001, n_drift_centroids=50)` — every centroid moves.
The files are meant to stay out of the repository: the loop's settings were never chosen on them.
"""
import json
import os
import sys

from river import datasets

ROWS = 50_000


def write(out, name, stream, task, classes=None):
    rows = list(stream.take(ROWS))
    keys = sorted(rows[0][0].keys())
    names = [f"x{k}" for k in keys]
    with open(os.path.join(out, f"{name}.csv"), "w") as f:
        f.write(",".join(names + ["target"]) + "\n")
        for x, y in rows:
            f.write(",".join(f"{float(x[k]):.5f}" for k in keys) + f",{int(y)}\n")
    meta = {"name": name, "file": f"{name}.csv", "kind": "synthetic", "task": task, "target": "target",
            "n_samples": ROWS, "features": [{"name": n, "type": "numeric"} for n in names]}
    if classes:
        meta["classes"] = list(range(classes))
    with open(os.path.join(out, f"{name}.meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(os.path.join(out, f"{name}.csv"))


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/flywheel-outside"
    os.makedirs(out, exist_ok=True)
    write(out, "hyperplane", datasets.synth.Hyperplane(
        seed=1, n_features=10, n_drift_features=2, mag_change=0.001, noise_percentage=0.05, sigma=0.1), "binary")
    write(out, "rbfdrift", datasets.synth.RandomRBFDrift(
        seed_model=1, seed_sample=1, n_classes=4, n_features=10, n_centroids=50, change_speed=0.0001,
        n_drift_centroids=50), "multiclass", classes=4)


if __name__ == "__main__":
    main()
