"""The issue's profiling input: 1 000 000 rows x 20 columns (14 normal numeric, 4 categoricals of 5 levels, one integer
column, one numeric column with 5% missing), seed 0; ROWS rows instead (written in parts of 1M, so 10M needs no 10M frame).
Usage: /usr/bin/python3 bench/make_profile_data.py OUT.csv [ROWS]"""
import sys
import numpy as np, pandas as pd
rng = np.random.default_rng(0)
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
out = open(sys.argv[1], "w", newline="")
for part in range(0, rows, 1_000_000):
    n = min(1_000_000, rows - part)
    cols = {f"num{i}": rng.normal(loc=i, scale=1 + i / 10, size=n) for i in range(14)}
    for j in range(4):
        cols[f"cat{j}"] = rng.choice([f"level{k}" for k in range(5)], size=n)
    cols["count"] = rng.integers(0, 1000, size=n)
    gappy = rng.normal(size=n)
    gappy[rng.random(n) < 0.05] = np.nan
    cols["gappy"] = gappy
    pd.DataFrame(cols).to_csv(out, index=False, header=part == 0)
out.close()
