# scikit-learn LogisticRegression on the same pairwise difference features the TS trainer uses.
# Reads <dir>/{train,held}.f32 (rows of dim floats: chosen - rejected) and <dir>/meta.json.
import json, sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression

d = sys.argv[1]
meta = json.load(open(f"{d}/meta.json"))
dim = meta["dim"]
train = np.fromfile(f"{d}/train.f32", dtype=np.float32).reshape(-1, dim)
held = np.fromfile(f"{d}/held.f32", dtype=np.float32).reshape(-1, dim)
# Symmetrise: (d, 1) and (-d, 0) gives the Bradley-Terry likelihood; C matches the TS L2 strength.
X = np.vstack([train, -train])
y = np.concatenate([np.ones(len(train)), np.zeros(len(train))])
C = 1.0 / (meta["l2"] * len(X))
t0 = time.perf_counter()
clf = LogisticRegression(C=C, fit_intercept=False, max_iter=2000, solver="lbfgs").fit(X, y)
ms = (time.perf_counter() - t0) * 1000
acc = float(np.mean(held @ clf.coef_[0] > 0))
print(json.dumps({"ms": ms, "heldOutAccuracy": acc}))
