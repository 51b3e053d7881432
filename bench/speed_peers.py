"""Peer side of bench/speed.ts: XGBoost hist (100 trees, depth 6, lr 0.1) and scikit-learn RandomForest (100 trees) on the
first 160 000 rows of the synthetic set, accuracy on the last 40 000, prediction time on the first 100 000 rows.
Usage: /usr/bin/python3 bench/speed_peers.py FILE xgboost|sklearn_rf THREADS [all]  -> one JSON line.
With `all` (bench/train-cli.ts: what a Python user runs instead of `capstan train`): fit on every row, print {"fit": seconds}."""
import json, sys, time
import numpy as np, pandas as pd
from sklearn.metrics import accuracy_score

path, model, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
every_row = sys.argv[4:] == ["all"]
df = pd.read_csv(path)
y = df.pop("y").to_numpy()
X = df.to_numpy()
if model == "xgboost":
    import xgboost as xgb
    m = xgb.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist", n_jobs=threads)
else:
    from sklearn.ensemble import RandomForestClassifier
    m = RandomForestClassifier(n_estimators=100, n_jobs=threads, random_state=0)
if every_row:
    t = time.perf_counter(); m.fit(X, y)
    print(json.dumps({"fit": time.perf_counter() - t}))
    sys.exit(0)
t = time.perf_counter(); m.fit(X[:160000], y[:160000]); fit = time.perf_counter() - t
t = time.perf_counter(); m.predict_proba(X[:100000]); pred = time.perf_counter() - t
print(json.dumps({"fit": fit, "predict": pred, "accuracy": accuracy_score(y[160000:], m.predict(X[160000:]))}))
