"""Peer side of bench/train-cli.ts: what a Python user runs instead of `capstan train`: pandas read_csv of the whole file, then
XGBoost hist (100 trees, depth 6, lr 0.1) or scikit-learn's RandomForest (100 trees) fitted on every row.
Usage: /usr/bin/python3 bench/train_peer.py FILE xgboost|sklearn_rf THREADS  -> one JSON line {"fit": seconds}."""
import json, sys, time
import pandas as pd

path, model, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
df = pd.read_csv(path)
y = df.pop("y").to_numpy()
X = df.to_numpy()
if model == "xgboost":
    import xgboost as xgb
    m = xgb.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.1, tree_method="hist", n_jobs=threads)
else:
    from sklearn.ensemble import RandomForestClassifier
    m = RandomForestClassifier(n_estimators=100, n_jobs=threads, random_state=0)
t = time.perf_counter()
m.fit(X, y)
print(json.dumps({"fit": time.perf_counter() - t}))
