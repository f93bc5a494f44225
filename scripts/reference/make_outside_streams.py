"""Writes drifting streams that are *not* bundled, to check the loop on data beyond the shared streams (issue 16): a
binary hyperplane with gradual drift and a four-class random-RBF stream with moving centroids (never used to choose
a setting), and five river generators that the perceptron's shape was chosen on with the bundled streams (docs/
benchmarks.md, "The perceptron's shape").

Run: python3 scripts/reference/make_outside_streams.py [DIR]        (pip install river==0.26.1; DIR default
     /tmp/flywheel-outside)

Each stream is a CSV (numeric features x…, label `target`) and a `.meta.json` schema next to it, 50,000 rows:
- `hyperplane`: river `datasets.synth.Hyperplane(seed=1, n_features=10, n_drift_features=2, mag_change=0.001,
  noise_percentage=0.05, sigma=0.1)` — the concept turns a little with every row;
- `rbfdrift`: river `datasets.synth.RandomRBFDrift(seed_model=1, seed_sample=1, n_classes=4, n_features=10,
  n_centroids=50, change_speed=0.0001, n_drift_centroids=50)` — every centroid moves;
- `sine`, `mixed`, `stagger`, `agrawal_grad` (binary) and `led` (ten classes): each a river `ConceptDriftStream`
  from one concept of the generator to another at row 25,000 (`SINE` 0 → 2 with noise features, width 5,000;
  `Mixed` 0 → 1, width 500; `STAGGER` 0 → 2, width 500, its three categorical features written as numbers; `Agrawal`
  1 → 4 with 5% perturbation, width 10,000; `LEDDrift` with 3 → 7 drifting features and 10% noise, width 1,000).
Three of river's small real data sets, shipped inside the river package (no download), are written the same way for
the loop at a label delay of 100 (docs/benchmarks.md, "Shorter label delays"): `phishing` (`datasets.Phishing`, 1,250
rows, binary), `bananas` (`datasets.Bananas`, 5,300 rows, binary, two features), `imagesegments`
(`datasets.ImageSegments`, 2,310 rows, 7 classes numbered in the sorted order of their names); features `f0…` in the
sorted order of river's names, labels True/False as 1/0.
The files are meant to stay out of the repository.
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


def write_dataset(out, name, dataset, task, label_map):
    rows = list(dataset)
    keys = sorted(rows[0][0].keys())
    names = [f"f{i}" for i in range(len(keys))]
    with open(os.path.join(out, f"{name}.csv"), "w") as f:
        f.write(",".join(names + ["target"]) + "\n")
        for x, y in rows:
            f.write(",".join(f"{float(x[k]):.6g}" for k in keys) + f",{label_map[y]}\n")
    meta = {"name": name, "file": f"{name}.csv", "kind": "real", "task": task, "target": "target",
            "n_samples": len(rows), "features": [{"name": n, "type": "numeric"} for n in names]}
    if task == "multiclass":
        meta["classes"] = list(range(len(set(label_map.values()))))
    with open(os.path.join(out, f"{name}.meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(os.path.join(out, f"{name}.csv"))


def write_small(out):
    binary = {False: 0, True: 1}
    write_dataset(out, "phishing", datasets.Phishing(), "binary", binary)
    write_dataset(out, "bananas", datasets.Bananas(), "binary", binary)
    segments = sorted({y for _, y in datasets.ImageSegments()})
    write_dataset(out, "imagesegments", datasets.ImageSegments(), "multiclass", {y: i for i, y in enumerate(segments)})


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/flywheel-outside"
    os.makedirs(out, exist_ok=True)
    write(out, "hyperplane", datasets.synth.Hyperplane(
        seed=1, n_features=10, n_drift_features=2, mag_change=0.001, noise_percentage=0.05, sigma=0.1), "binary")
    write(out, "rbfdrift", datasets.synth.RandomRBFDrift(
        seed_model=1, seed_sample=1, n_classes=4, n_features=10, n_centroids=50, change_speed=0.0001,
        n_drift_centroids=50), "multiclass", classes=4)
    synth = datasets.synth
    drift = synth.ConceptDriftStream
    write(out, "sine", drift(synth.Sine(classification_function=0, seed=1, has_noise=True),
                             synth.Sine(classification_function=2, seed=2, has_noise=True),
                             seed=1, position=25_000, width=5_000), "binary")
    write(out, "mixed", drift(synth.Mixed(classification_function=0, seed=1),
                              synth.Mixed(classification_function=1, seed=2), seed=1, position=25_000, width=500), "binary")
    write(out, "stagger", drift(synth.STAGGER(classification_function=0, seed=1, balance_classes=False),
                                synth.STAGGER(classification_function=2, seed=2), seed=1, position=25_000, width=500),
          "binary")
    write(out, "agrawal_grad", drift(synth.Agrawal(classification_function=1, seed=1, perturbation=0.05),
                                     synth.Agrawal(classification_function=4, seed=2, perturbation=0.05),
                                     seed=1, position=25_000, width=10_000), "binary")
    write(out, "led", drift(synth.LEDDrift(seed=1, noise_percentage=0.1, irrelevant_features=True, n_drift_features=3),
                            synth.LEDDrift(seed=2, noise_percentage=0.1, irrelevant_features=True, n_drift_features=7),
                            seed=1, position=25_000, width=1_000), "multiclass", classes=10)
    write_small(out)


if __name__ == "__main__":
    main()
