"""Reference values for Tests/OnlineLearningTests/MetricsTests.swift, computed with numpy only.

Run: python3 scripts/reference/metrics.py
Stream: for i in 0..<1000, label y_i = 1 if (i * 7) % 10 < 4 else 0, probability p_i = ((i * 13) % 100 + 0.5) / 100 * 0.7 + 0.3 * y_i,
regression target t_i = sin(i / 10) * 3 + i / 500, prediction q_i = t_i + cos(i / 7).
"""
import numpy as np

i = np.arange(1000)
y = ((i * 7) % 10 < 4).astype(int)
p = ((i * 13) % 100 + 0.5) / 100 * 0.7 + 0.3 * y
pred = (p > 0.5).astype(int)

# Macro F1 over classes 0 and 1.
f1s = []
for c in (0, 1):
    tp = np.sum((pred == c) & (y == c)); fp = np.sum((pred == c) & (y != c)); fn = np.sum((pred != c) & (y == c))
    f1s.append(2 * tp / (2 * tp + fp + fn))
print("accuracy %.15g macro F1 %.15g" % (np.mean(pred == y), np.mean(f1s)))

# ROC AUC as the Mann-Whitney statistic (ties count one half).
pos, neg = p[y == 1], p[y == 0]
greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
print("roc auc %.15g" % (greater / (len(pos) * len(neg))))

# Rolling accuracy over the last 100, and accuracy with fading factor 0.99, after all 1000.
print("rolling(100) accuracy %.15g" % np.mean((pred == y)[-100:]))
w = 0.99 ** (999 - i)
print("fading(0.99) accuracy %.15g" % (np.sum(w * (pred == y)) / np.sum(w)))

t = np.sin(i / 10) * 3 + i / 500
q = t + np.cos(i / 7)
print("MAE %.15g RMSE %.15g R2 %.15g" % (np.mean(np.abs(q - t)), np.sqrt(np.mean((q - t) ** 2)),
      1 - np.sum((q - t) ** 2) / np.sum((t - t.mean()) ** 2)))

# Regression error over the last 100 and with fading factor 0.99 (RegressionEvaluationMetrics uses 1,000 and 0.999;
# the test builds RollingMean(100) and FadingMean(0.99) directly).
e = np.abs(q - t)
print("rolling(100) MAE %.15g fading(0.99) MAE %.15g" % (np.mean(e[-100:]), np.sum(w * e) / np.sum(w)))
