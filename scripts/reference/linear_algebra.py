"""Reference values for Tests/LinearAlgebraTests, computed in float64 by numpy from float32 inputs.

Run: python3 scripts/reference/linear_algebra.py
"""
import numpy as np

A = np.sin(np.arange(12, dtype=np.float64) * 0.7).reshape(3, 4).astype(np.float32).astype(np.float64)
B = np.cos(np.arange(8, dtype=np.float64) * 0.3).reshape(4, 2).astype(np.float32).astype(np.float64)
x = (np.arange(4, dtype=np.float64) * 0.5 - 1).astype(np.float32).astype(np.float64)
print("A@B  ", (A @ B).round(7).tolist())
print("A@x  ", (A @ x).round(7).tolist())
print("A@A.T", (A @ A.T).round(7).tolist())
print("dot  ", float(np.dot(A[0], x)))
