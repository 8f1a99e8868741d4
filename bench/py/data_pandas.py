"""pandas baselines for bench/data.ts, on the same files in the same run.

usage: data_pandas.py MAIN.csv RIGHT.csv REPEATS
Prints JSON: best-of-REPEATS seconds for read_csv, groupby-mean, merge, describe, plus result checks.
Imports and the loads that feed later steps are not timed.
"""
import json
import sys
import time

import pandas as pd


def best(fn, repeats):
    t_best, value = float('inf'), None
    for _ in range(repeats):
        t = time.perf_counter()
        value = fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best, value


def main():
    main_csv, right_csv, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    csv_s, df = best(lambda: pd.read_csv(main_csv), max(1, repeats - 1))
    right = pd.read_csv(right_csv)
    value_cols = [c for c in df.columns if c.startswith('x')]
    group_s, g = best(lambda: df.groupby('key')[value_cols].mean(), repeats)
    join_s, j = best(lambda: df.merge(right, on='ref', how='inner'), repeats)
    head = df.iloc[:100_000]
    describe_s, d = best(lambda: head.describe(include='all'), repeats)
    print(json.dumps({
        'csv': csv_s, 'groupby': group_s, 'join': join_s, 'describe': describe_s,
        'check': {
            'rows': int(len(df)), 'groups': int(len(g)), 'x0_mean_key0': float(g.loc[0, 'x0']),
            'join_rows': int(len(j)), 'w_sum': float(j['w'].sum()), 'describe_x0_std': float(d.loc['std', 'x0']),
            'x0_sum': float(df['x0'].sum()), 'id_sum': int(df['id'].sum()),
            'describe_x0_quartiles': [float(d.loc[q, 'x0']) for q in ('25%', '50%', '75%')],
        },
    }))


if __name__ == '__main__':
    main()
