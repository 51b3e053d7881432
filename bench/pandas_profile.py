"""Peer of `capstan data profile`: pandas read_csv + describe(include="all"), timed as a whole process by bench/data.ts.
With --stats it prints, as JSON, each numeric column's mean, std (n-1) and quantiles (linear interpolation) for parity checks."""
import json, sys
import pandas as pd
df = pd.read_csv(sys.argv[1])
d = df.describe(include="all")
if "--stats" in sys.argv:
    out = {}
    for c in df.columns:
        if pd.api.types.is_numeric_dtype(df[c]):
            s = df[c].astype(float)
            q = s.quantile([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
            out[c] = {"mean": float(s.mean()), "std": float(s.std()), "quantiles": [float(x) for x in q]}
    print(json.dumps(out))
else:
    print(len(d.columns))
