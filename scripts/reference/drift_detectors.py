"""River's concept-drift detectors on fixed error streams: the indices at which each flags a warning or a drift.

Run: python3 scripts/reference/drift_detectors.py > Tests/OnlineLearningTests/Fixtures/drift_reference.json
     (pip install river==0.26.1 numpy)

Streams:
- sea_fixed: 0/1 errors of a model fixed on sea_abrupt's first concept (predicts x0 + x1 > 8) over the whole
  bundled stream (streams/data/sea_abrupt.csv); the Swift test rebuilds it from the CSV, so only its error count
  and FNV-1a 64 checksum (of the '0'/'1' text) are kept.
- bernoulli_*: seeded Bernoulli error streams whose rate changes (numpy default_rng), stored bit for bit.
- gaussian_shift: seeded normal values whose mean shifts, rounded to 6 decimals, stored (for ADWIN, PageHinkley).
Every detector uses river's defaults and is fed each stream from a fresh instance. Output: per stream and detector,
the drift indices and the warning indices as inclusive runs [first, last].
"""
import csv
import json
import pathlib
import sys

import numpy as np
import river
from river import drift

ROOT = pathlib.Path(__file__).resolve().parents[2]


def sea_fixed() -> list[int]:
    errors = []
    with open(ROOT / "streams/data/sea_abrupt.csv") as f:
        for row in csv.DictReader(f):
            predicted = 1 if float(row["x0"]) + float(row["x1"]) > 8 else 0
            errors.append(int(predicted != int(float(row["target"]))))
    return errors


def bernoulli(seed: int, segments: list[tuple[int, float]]) -> list[int]:
    rng = np.random.default_rng(seed)
    out: list[int] = []
    for length, p in segments:
        out += [int(v) for v in (rng.random(length) < p)]
    return out


def gaussian(seed: int, segments: list[tuple[int, float, float]]) -> list[float]:
    rng = np.random.default_rng(seed)
    out: list[float] = []
    for length, mean, sd in segments:
        out += [round(float(v), 6) for v in rng.normal(mean, sd, length)]
    return out


def fnv1a64(data: bytes) -> int:
    """FNV-1a 64, as OnlineLearning.FeatureHashing.fnv1a(bytes:)."""
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def ranges(indices: list[int]) -> list[list[int]]:
    """Sorted indices as inclusive runs [first, last]."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def run(detector, stream) -> dict:
    drifts, warnings = [], []
    for i, x in enumerate(stream):
        detector.update(x)
        if detector.drift_detected:
            drifts.append(i)
        if getattr(detector, "warning_detected", False):
            warnings.append(i)
    return {"drifts": drifts, "warningRuns": ranges(warnings)}


def detectors(binary: bool) -> dict:
    made = {"ADWIN": drift.ADWIN(), "PageHinkley": drift.PageHinkley()}
    if binary:
        made.update({"DDM": drift.binary.DDM(), "EDDM": drift.binary.EDDM(), "HDDM_A": drift.binary.HDDMA()})
    return made


def main() -> None:
    streams = {
        "sea_fixed": (sea_fixed(), True),
        "bernoulli_up": (bernoulli(7, [(3000, 0.1), (3000, 0.3)]), True),
        "bernoulli_small_step": (bernoulli(11, [(5000, 0.2), (5000, 0.25), (5000, 0.15)]), True),
        "bernoulli_stable": (bernoulli(13, [(10000, 0.3)]), True),
        "gaussian_shift": (gaussian(17, [(2000, 0.0, 1.0), (2000, 0.8, 1.0), (2000, -0.5, 2.0)]), False),
    }
    out = {"river": river.__version__, "command": " ".join(["python3"] + sys.argv), "streams": {}}
    for name, (stream, binary) in streams.items():
        entry = {"length": len(stream), "results": {k: run(d, stream) for k, d in detectors(binary).items()}}
        if name == "sea_fixed":
            entry["errors"] = sum(stream)
            entry["fnv1a64"] = str(fnv1a64("".join(map(str, stream)).encode()))
        elif binary:
            entry["bits"] = "".join(map(str, stream))
        else:
            entry["values"] = stream
        out["streams"][name] = entry
    json.dump(out, sys.stdout, separators=(",", ":"))
    print()


if __name__ == "__main__":
    main()
