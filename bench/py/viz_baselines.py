"""scikit-learn baselines for bench/viz.ts: reads float32 rows, writes the 2-D layout, prints seconds.

usage: viz_baselines.py pca|tsne IN.bin ROWS COLS OUT.bin [REPEATS]
Timing covers fit_transform only (imports and file I/O excluded), best of REPEATS.
"""
import json
import sys
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE


def main():
    method, path, rows, cols, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    x = np.fromfile(path, dtype=np.float32).reshape(rows, cols)
    best, y = float('inf'), None
    for _ in range(repeats):
        if method == 'pca':
            model = PCA(n_components=2, random_state=0)
        else:
            model = TSNE(n_components=2, init='pca', learning_rate='auto', perplexity=30.0, random_state=0)
        t = time.perf_counter()
        y = model.fit_transform(x)
        best = min(best, time.perf_counter() - t)
    np.asarray(y, dtype=np.float32).tofile(out)
    print(json.dumps({'seconds': best}))


if __name__ == '__main__':
    main()
