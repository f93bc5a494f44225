"""Writes streams/data/waveform.csv and waveform.meta.json: a three-class stream for the multiclass models.

Run: python3 scripts/reference/make_waveform.py        (pip install river==0.26.1)

river 0.26.1 `datasets.synth.Waveform(seed=42)` (Breiman et al. 1984: 21 noisy numeric features, each class a mix of
two of three triangular waves), the first 20,000 samples, values rounded to 4 decimals. Stationary (no drift).
"""
import hashlib
import json
import os

from river import datasets

ROWS = 20_000


def main() -> None:
    out = os.path.join(os.path.dirname(__file__), "..", "..", "streams", "data")
    names = [f"x{i}" for i in range(21)]
    lines = [",".join(names + ["target"])]
    for x, y in datasets.synth.Waveform(seed=42).take(ROWS):
        lines.append(",".join(f"{x[i]:.4f}" for i in range(21)) + f",{y}")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "waveform.csv"), "w") as f:
        f.write(text)
    meta = {
        "name": "waveform", "file": "waveform.csv", "kind": "synthetic", "task": "multiclass", "target": "target",
        "classes": [0, 1, 2], "n_samples": ROWS,
        "features": [{"name": n, "type": "numeric"} for n in names],
        "drift": {"type": "none", "positions": []},
        "source": "river 0.26.1 datasets.synth.Waveform(seed=42), first 20,000 samples, 4 decimals "
                  "(scripts/reference/make_waveform.py)",
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    with open(os.path.join(out, "waveform.meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
