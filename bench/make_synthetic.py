"""Write the issue's speed-benchmark set: make_classification(n_samples=ROWS, n_features=20, n_informative=10, random_state=0).
Usage: make_synthetic.py OUT.csv [ROWS=200000]; written in blocks, so 10 million rows need no more memory than one block."""
import sys
import numpy as np
from sklearn.datasets import make_classification
out = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
cols = [f"f{i}" for i in range(20)]
with open(out, "w") as f:
    f.write(",".join(cols + ["y"]) + "\n")
    if rows <= 200000:
        X, y = make_classification(n_samples=rows, n_features=20, n_informative=10, random_state=0)
        np.savetxt(f, np.column_stack([X, y]), delimiter=",", fmt=["%.17g"] * 20 + ["%d"])
    else:
        # larger sets: the same generator, one million rows per seed (make_classification holds its whole output in memory)
        for block in range(0, rows, 1000000):
            n = min(1000000, rows - block)
            X, y = make_classification(n_samples=n, n_features=20, n_informative=10, random_state=block // 1000000)
            np.savetxt(f, np.column_stack([X, y]), delimiter=",", fmt=["%.17g"] * 20 + ["%d"])
