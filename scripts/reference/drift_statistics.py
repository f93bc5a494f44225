"""scipy/numpy's values for Flywheel's data-drift statistics on seeded sample pairs.

Run: python3 scripts/reference/drift_statistics.py > Tests/OnlineLearningTests/Fixtures/drift_statistics.json
     (pip install scipy numpy)

For each pair of samples (reference, current), stored in the file:
- KS: scipy.stats.ks_2samp(ref, cur, method="asymp") statistic and p-value: the one-sample Kolmogorov distribution
  `kstwo` at n = round(n1·n2/(n1+n2)), which scipy evaluates with the Pelz-Good series when n > 140 and
  n·d^1.5 ≥ 1.4 (Simard & L'Ecuyer's choice, good to about 1e-5); so also `ksPValueExact`, scipy's own exact
  Durbin-matrix evaluation of the same distribution (scipy.stats._ksstats._kolmogn_DMTW).
- Wasserstein: scipy.stats.wasserstein_distance(ref, cur).
For each pair of bin-count vectors:
- chi-square goodness of fit of the current counts to the reference proportions: scipy.stats.chisquare(cur,
  f_exp=ref/ref.sum()*cur.sum()) statistic and p-value;
- Jensen-Shannon distance: scipy.spatial.distance.jensenshannon(ref/ref.sum(), cur/cur.sum()) (natural log);
- Hellinger distance: numpy, sqrt(sum((sqrt(p) - sqrt(q))**2)) / sqrt(2);
- PSI: numpy, sum((q - p) * ln(q / p)) with p, q proportions after adding 0.5 to every count (so empty bins stay
  finite).
Small samples (30 and 30, as KSWIN compares): scipy.stats.ks_2samp(a, b, method="exact").
Benjamini-Hochberg: scipy.stats.false_discovery_control(p, method="bh") on a fixed p-value list.
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.stats import _ksstats
from scipy.spatial import distance


def main() -> None:
    rng = np.random.default_rng(2026)
    samples = []
    for n1, n2, shift, scale in [(500, 400, 0.0, 1.0), (1000, 1000, 0.1, 1.0), (800, 1200, 0.0, 1.3), (300, 700, 0.25, 1.0),
                                 (2000, 1500, 0.05, 1.0)]:
        ref = np.round(rng.normal(0, 1, n1), 6)
        cur = np.round(rng.normal(shift, scale, n2), 6)
        ks = stats.ks_2samp(ref, cur, method="asymp")
        n = round(max(n1, n2) * min(n1, n2) / (n1 + n2))
        exact = 1 - float(_ksstats._kolmogn_DMTW(n, float(ks.statistic), cdf=True))
        samples.append({
            "reference": ref.tolist(), "current": cur.tolist(),
            "ks": float(ks.statistic), "ksPValue": float(ks.pvalue), "ksPValueExact": exact,
            "wasserstein": float(stats.wasserstein_distance(ref, cur)),
        })
    counts = []
    for ref, cur in [([120, 95, 110, 100, 75], [130, 90, 100, 105, 75]),
                     ([50, 50, 50, 50], [80, 40, 45, 35]),
                     ([400, 300, 200, 100, 0], [380, 320, 190, 105, 5]),
                     ([10, 20, 30, 40, 50, 60, 70, 80], [12, 18, 33, 41, 45, 66, 70, 75])]:
        r, c = np.array(ref, float), np.array(cur, float)
        chi = stats.chisquare(c, f_exp=r / r.sum() * c.sum()) if (r > 0).all() else None
        p, q = r / r.sum(), c / c.sum()
        ps, qs = (r + 0.5) / (r + 0.5).sum(), (c + 0.5) / (c + 0.5).sum()
        counts.append({
            "reference": ref, "current": cur,
            "chiSquare": None if chi is None else float(chi.statistic),
            "chiSquarePValue": None if chi is None else float(chi.pvalue),
            "jensenShannon": float(distance.jensenshannon(p, q)),
            "hellinger": float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2)),
            "psi": float(np.sum((qs - ps) * np.log(qs / ps))),
        })
    exact = []
    for seed, shift in [(31, 0.0), (32, 0.6), (33, 1.2), (34, 0.3)]:
        local = np.random.default_rng(seed)
        a = np.round(local.normal(0, 1, 30), 6)
        b = np.round(local.normal(shift, 1, 30), 6)
        result = stats.ks_2samp(a, b, method="exact")
        exact.append({"reference": a.tolist(), "current": b.tolist(), "ks": float(result.statistic), "pValue": float(result.pvalue)})
    pvalues = [0.001, 0.2, 0.04, 0.03, 0.5, 0.012, 0.9, 0.049, 0.0001, 0.3]
    out = {
        "scipy": scipy.__version__, "command": "python3 scripts/reference/drift_statistics.py",
        "samples": samples, "counts": counts, "exactSmall": exact,
        "benjaminiHochberg": {"pValues": pvalues, "adjusted": stats.false_discovery_control(pvalues, method="bh").tolist()},
    }
    json.dump(out, sys.stdout, separators=(",", ":"))
    print()


if __name__ == "__main__":
    main()
