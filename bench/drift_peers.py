"""The drift tests with pandas + scipy, the peer of `capstan data drift` (bench/monitor-drift.ts).

usage: drift_peers.py REF.csv CUR.csv numeric_test categorical_test
numeric_test: ks | wasserstein; categorical_test: chi_squared | jensen_shannon. Prints one JSON document: the seconds spent
reading and testing, and each column's statistic.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

ref_path, cur_path, num_test, cat_test = sys.argv[1:5]
t0 = time.perf_counter()
ref = pd.read_csv(ref_path)
cur = pd.read_csv(cur_path)
t1 = time.perf_counter()
out = {}
for name in ref.columns:
    a = ref[name].dropna()
    b = cur[name].dropna()
    if pd.api.types.is_numeric_dtype(a):
        av = a.to_numpy(dtype=np.float64)
        bv = b.to_numpy(dtype=np.float64)
        if num_test == 'ks':
            r = stats.ks_2samp(av, bv, method='asymp')
            out[name] = {'test': 'ks', 'statistic': float(r.statistic), 'p_value': float(r.pvalue)}
        else:
            out[name] = {'test': 'wasserstein', 'statistic': float(stats.wasserstein_distance(av, bv) / max(np.std(av), 0.001))}
    else:
        counts = pd.concat([a.value_counts().rename('ref'), b.value_counts().rename('cur')], axis=1).fillna(0)
        if cat_test == 'chi_squared':
            chi2, p, _, _ = stats.chi2_contingency(counts.to_numpy().T, correction=False)
            out[name] = {'test': 'chi_squared', 'statistic': float(chi2), 'p_value': float(p)}
        else:
            out[name] = {'test': 'jensen_shannon', 'statistic': float(jensenshannon(counts['ref'].to_numpy(), counts['cur'].to_numpy()))}
t2 = time.perf_counter()
print(json.dumps({'read_seconds': t1 - t0, 'test_seconds': t2 - t1, 'columns': out}))
