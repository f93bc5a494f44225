"""Reference values for Tests/OnlineLearningTests (feature pipeline).

Run: python3 scripts/reference/features.py   (needs numpy; reads streams/data/sea_abrupt.csv)
"""
import csv
import os

import numpy as np


def fnv1a(text: str) -> int:
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


for token in ["", "a", "elevel=2", "car=8", "elevel=2&car=8", "zipcode=\u0000missing", "ünïcode=✓"]:
    print(f"fnv1a({token!r}) = {fnv1a(token)}  bucket64 = {fnv1a(token) % 64}")

path = os.path.join(os.path.dirname(__file__), "..", "..", "streams", "data", "sea_abrupt.csv")
with open(path) as f:
    rows = list(csv.DictReader(f))[:1001]
x0 = np.array([float(r["x0"]) for r in rows[:1000]])
print("sea_abrupt x0[0:1000]: mean %.15g var %.15g (population, numpy.var ddof=0)" % (x0.mean(), x0.var()))
nxt = float(rows[1000]["x0"])
print("row 1000 x0 = %.15g, standardized %.15g" % (nxt, (nxt - x0.mean()) / x0.std()))
