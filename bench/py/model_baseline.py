"""PyTorch CPU baseline for bench/model.ts: the reference amalgamation as a plain PyTorch network
(conv bottom, latent_high 128, latent_low 16, logits 10, a reconstruct head on latent_low and a
coarse head on latent_low + probs), same loss weights, batch, optimizer, epochs and data.
Usage: model_baseline.py DATA_DIR THREADS EPOCHS. Prints one JSON line."""
import gzip
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

data_dir, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
COARSE = np.array([0, 1, 0, 0, 0, 2, 0, 2, 3, 2])  # tops, bottoms, footwear, bags


def idx(name, offset):
    with gzip.open(f"{data_dir}/{name}", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


x_train = torch.tensor(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
y_train = torch.tensor(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
x_test = torch.tensor(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
y_test = torch.tensor(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
c_train, c_test = torch.tensor(COARSE[y_train.numpy()]), torch.tensor(COARSE[y_test.numpy()])


class Amalgamation(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.high = nn.Linear(64 * 7 * 7, 128)
        self.low = nn.Linear(128, 16)
        self.logits = nn.Linear(16, 10)
        self.recon = nn.Sequential(nn.Linear(16, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid())
        self.coarse = nn.Sequential(nn.Linear(26, 32), nn.ReLU(), nn.Linear(32, 4))

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        high = F.relu(self.high(h.flatten(1)))
        low = self.low(high)
        logits = self.logits(low)
        probs = F.softmax(logits, -1)
        return logits, self.recon(low).view(-1, 1, 28, 28), self.coarse(torch.cat([low, probs], 1))


model = Amalgamation()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
n, batch = x_train.shape[0], 64
seconds = 0.0
for epoch in range(epochs):
    order = torch.randperm(n)
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        b = order[i:i + batch]
        logits, recon, coarse = model(x_train[b])
        loss = F.cross_entropy(logits, y_train[b]) + 0.2 * F.mse_loss(recon, x_train[b]) + F.cross_entropy(coarse, c_train[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds += time.perf_counter() - t0

model.eval()
with torch.no_grad():
    logits, _, coarse = model(x_test)
print(json.dumps({
    "samples_per_sec": n * epochs / seconds, "epochs": epochs, "threads": threads,
    "test_acc": (logits.argmax(1) == y_test).float().mean().item(),
    "coarse_acc": (coarse.argmax(1) == c_test).float().mean().item(),
}))
