"""PyTorch CPU baseline for bench/train.ts: the same models, batch sizes and optimizer, on the same
cores. Usage: train_baseline.py THREADS SECONDS. Prints one JSON line.

Each measurement warms up, then runs steps until SECONDS have passed (at least 3 steps) and reports
samples/s (GFLOP/s for the matmul)."""
import json
import sys
import time

import torch
import torch.nn as nn

threads = int(sys.argv[1])
budget = float(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)


def timed(step, warmup=3):
    for _ in range(warmup):
        step()
    n, t0 = 0, time.perf_counter()
    while n < 3 or time.perf_counter() - t0 < budget:
        step()
        n += 1
    return n, time.perf_counter() - t0


def train_rate(model, x, y):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    n, s = timed(step)
    return {"samples_per_s": n * x.shape[0] / s, "step_ms": 1000 * s / n, "steps": n}


def cnn():
    # channels-first in PyTorch; same layers and sizes as the tf.layers model (28x28x1 input).
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Linear(128, 10))


def mlp():
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
out["cnn"] = train_rate(cnn(), torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,)))
out["mlp"] = train_rate(mlp(), torch.randn(128, 64), torch.randint(0, 10, (128,)))
a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
n, s = timed(lambda: torch.mm(a, b))
out["matmul"] = {"gflops": n * 2 * 1024 ** 3 / s / 1e9, "ms": 1000 * s / n}
print(json.dumps(out))
