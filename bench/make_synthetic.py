"""Write the issue's speed-benchmark set: make_classification(n_samples=200000, n_features=20, n_informative=10, random_state=0)."""
import sys
import numpy as np
from sklearn.datasets import make_classification
out = sys.argv[1]
X, y = make_classification(n_samples=200000, n_features=20, n_informative=10, random_state=0)
cols = [f"f{i}" for i in range(20)]
with open(out, "w") as f:
    f.write(",".join(cols + ["y"]) + "\n")
    np.savetxt(f, np.column_stack([X, y]), delimiter=",", fmt=["%.17g"] * 20 + ["%d"])
