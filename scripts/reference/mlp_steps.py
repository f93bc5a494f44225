"""Reference for Flywheel's MultilayerPerceptron minibatch steps, in numpy (float64).

Run: python3 scripts/reference/mlp_steps.py > Tests/OnlineLearningTests/Fixtures/mlp_steps.json

For each case: seeded initial weights (layer l is fan_in x fan_out, row-major, as Flywheel stores it), three batches,
and the weights after each optimizer step, with predictions on a probe batch. The backward pass is checked against
central finite differences of the batch loss before anything is written, so the fixture does not just restate the
Swift formulas. Loss: mean log loss (sigmoid output), mean squared error (linear output) or mean cross-entropy (softmax
over one output per class; the probe's predictions are then every class's probability, row after row) over the batch, plus
0.5 * l2 * |W|^2 on the weights. Optimizers follow river's optim.SGD / optim.AdaGrad / optim.Adam.
"""
import json

import numpy as np


def forward(ws, bs, x):
    acts = [x]
    for l, (w, b) in enumerate(zip(ws, bs)):
        z = acts[-1] @ w + b
        if l < len(ws) - 1:
            z = np.maximum(z, 0)
        acts.append(z)
    return acts


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def loss(ws, bs, x, y, task, l2):
    if task == "multiclass":
        p = softmax(forward(ws, bs, x)[-1])
        value = -np.mean(np.log(p[np.arange(len(y)), y.astype(int)]))
        return value + 0.5 * l2 * sum((w**2).sum() for w in ws)
    out = forward(ws, bs, x)[-1][:, 0]
    if task == "binary":
        p = 1 / (1 + np.exp(-out))
        value = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    else:
        value = np.mean((out - y) ** 2)
    return value + 0.5 * l2 * sum((w**2).sum() for w in ws)


def gradients(ws, bs, x, y, task, l2):
    acts = forward(ws, bs, x)
    out = acts[-1][:, 0]
    n = len(y)
    if task == "multiclass":
        delta = softmax(acts[-1])
        delta[np.arange(n), y.astype(int)] -= 1
        delta /= n
    elif task == "binary":
        delta = ((1 / (1 + np.exp(-out)) - y) / n)[:, None]
    else:
        delta = (2 * (out - y) / n)[:, None]
    gws, gbs = [None] * len(ws), [None] * len(ws)
    for l in range(len(ws) - 1, -1, -1):
        gws[l] = acts[l].T @ delta + l2 * ws[l]
        gbs[l] = delta.sum(axis=0)
        if l > 0:
            delta = (delta @ ws[l].T) * (acts[l] > 0)
    return gws, gbs


def check_gradients(ws, bs, x, y, task, l2):
    gws, _ = gradients(ws, bs, x, y, task, l2)
    h = 1e-6
    for l, w in enumerate(ws):
        for idx in [(0, 0), (w.shape[0] - 1, w.shape[1] - 1), (w.shape[0] // 2, 0)]:
            saved = w[idx]
            w[idx] = saved + h
            up = loss(ws, bs, x, y, task, l2)
            w[idx] = saved - h
            down = loss(ws, bs, x, y, task, l2)
            w[idx] = saved
            numeric = (up - down) / (2 * h)
            assert abs(numeric - gws[l][idx]) < 1e-6 * max(1, abs(numeric)), (l, idx, numeric, gws[l][idx])


class Optimizer:
    def __init__(self, kind, lr):
        self.kind, self.lr, self.t, self.state = kind, lr, 0, {}

    def step(self, key, w, g):
        if self.kind == "sgd":
            w -= self.lr * g
        elif self.kind == "adagrad":
            g2 = self.state.setdefault(key, np.zeros_like(w))
            g2 += g**2
            w -= self.lr / np.sqrt(g2 + 1e-8) * g
        else:
            m = self.state.setdefault(key + "m", np.zeros_like(w))
            v = self.state.setdefault(key + "v", np.zeros_like(w))
            lr = self.lr * (1 - 0.999 ** (self.t + 1)) ** 0.5 / (1 - 0.9 ** (self.t + 1))
            m[...] = 0.9 * m + 0.1 * g
            v[...] = 0.999 * v + 0.001 * g**2
            w -= lr * m / (np.sqrt(v) + 1e-8)


def case(name, task, sizes, optimizer, lr, l2, batch, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.uniform(-0.8, 0.8, (sizes[l], sizes[l + 1])) for l in range(len(sizes) - 1)]
    bs = [rng.uniform(-0.1, 0.1, sizes[l + 1]) for l in range(len(sizes) - 1)]
    initial = ([w.ravel().tolist() for w in ws], [b.tolist() for b in bs])
    opt = Optimizer(optimizer, lr)
    batches, after = [], []
    for _ in range(3):
        x = rng.normal(0, 1, (batch, sizes[0]))
        x[rng.random(x.shape) < 0.3] = 0  # some absent inputs, as one-hot vectors have
        if task == "multiclass":
            y = rng.integers(0, sizes[-1], batch).astype(float)
        else:
            y = (rng.random(batch) < 0.5).astype(float) if task == "binary" else rng.normal(2, 3, batch)
        check_gradients(ws, bs, x, y, task, l2)
        gws, gbs = gradients(ws, bs, x, y, task, l2)
        for l in range(len(ws)):
            opt.step(f"w{l}", ws[l], gws[l])
            opt.step(f"b{l}", bs[l], gbs[l])
        opt.t += 1
        batches.append({"x": x.ravel().tolist(), "y": y.tolist()})
        after.append([w.ravel().tolist() for w in ws])
    probe = rng.normal(0, 1, (4, sizes[0]))
    if task == "multiclass":
        predictions = softmax(forward(ws, bs, probe)[-1]).ravel().tolist()
    else:
        out = forward(ws, bs, probe)[-1][:, 0]
        predictions = (1 / (1 + np.exp(-out)) if task == "binary" else out).tolist()
    return {
        "name": name, "task": task, "layerSizes": sizes, "optimizer": optimizer, "learningRate": lr, "l2": l2,
        "batchSize": batch, "weights": initial[0], "biases": initial[1], "batches": batches,
        "weightsAfterEachStep": after, "biasesAfter": [b.tolist() for b in bs],
        "probe": probe.ravel().tolist(), "probePredictions": predictions,
    }


def main():
    cases = [
        case("binary, one hidden layer, Adam", "binary", [5, 4, 1], "adam", 0.01, 0.0, 6, 1),
        case("binary, two hidden layers, SGD with L2", "binary", [6, 5, 3, 1], "sgd", 0.1, 0.01, 8, 2),
        case("regression, two hidden layers, AdaGrad", "regression", [4, 6, 3, 1], "adagrad", 0.05, 0.0, 5, 3),
        case("regression, one hidden layer, Adam with L2", "regression", [7, 8, 1], "adam", 0.02, 0.001, 7, 4),
        case("multiclass, one hidden layer, Adam", "multiclass", [5, 6, 3], "adam", 0.01, 0.0, 6, 5),
        case("multiclass, two hidden layers, SGD with L2", "multiclass", [6, 5, 4, 4], "sgd", 0.1, 0.01, 8, 6),
    ]
    print(json.dumps({"generatedBy": "python3 scripts/reference/mlp_steps.py", "numpy": np.__version__, "cases": cases}))


if __name__ == "__main__":
    main()
