"""Native XGBoost side of `npm run bench -- gbdt` (bench/gbdt.ts runs it; not meant to be run by hand).

One measurement per process, so that ru_maxrss is this measurement's own. argv[1] is a JSON job:
  {"train": {"file", "rows", "features"}, "test": {...}, "use_rows", "use_features", "rounds", "params"}
The data files are what bench/gbdt.ts writes: float32 little-endian, column-major, the target as the
last column (column f of an n-row file starts at byte 4 * f * n). The result is one JSON line on stdout.
"""

import json
import resource
import sys
import time

import numpy as np
import xgboost as xgb


def load(ref, use_rows, use_features):
    n, p = ref["rows"], ref["features"]
    cols = np.fromfile(ref["file"], dtype="<f4", count=(p + 1) * n).reshape(p + 1, n)
    # Row-major copy made here, before any timer starts: DMatrix would otherwise copy the
    # transposed (Fortran-order) view itself, and that copy is numpy's work, not XGBoost's.
    x = np.ascontiguousarray(cols[:use_features, :use_rows].T)
    y = cols[p, :use_rows].copy()
    return x, y


def main():
    job = json.loads(sys.argv[1])
    x, y = load(job["train"], job["use_rows"], job["use_features"])
    x_test, y_test = load(job["test"], job["test"]["rows"], job["use_features"])

    params = dict(job["params"])
    # XGBoost 1.7 starts every model from base_score = 0.5; Sunline's squared objective starts from the
    # training mean (pipeline/models/gbdt/objectives.ts), as XGBoost 2.0 and LightGBM do. Friedman #1's
    # mean is ~14, so with 0.5 XGBoost's first trees would spend their splits on that offset and the
    # RMSE comparison would partly measure the start value rather than the trees; XGBoost gets the same
    # start instead. Computed in float64 from the float32 labels every engine reads.
    params["base_score"] = float(np.mean(y, dtype=np.float64))

    started = time.perf_counter()
    dtrain = xgb.DMatrix(x, label=y)
    dmatrix_s = time.perf_counter() - started
    dtest = xgb.DMatrix(x_test)

    # With tree_method=hist the quantile sketch and the binned matrix are built lazily inside
    # xgb.train (first round), so train_s includes binning, as Sunline's train_s does.
    started = time.perf_counter()
    cpu = time.process_time()  # all threads of this process
    booster = xgb.train(params, dtrain, num_boost_round=job["rounds"], evals=[], verbose_eval=False)
    train_s = time.perf_counter() - started
    train_cpu_s = time.process_time() - cpu

    started = time.perf_counter()
    pred = booster.predict(dtest).astype(np.float64)
    predict_s = time.perf_counter() - started
    rmse = float(np.sqrt(np.mean((pred - y_test.astype(np.float64)) ** 2)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "train_s": train_s,
                "train_cpu_s": train_cpu_s,
                "dmatrix_s": dmatrix_s,
                "predict_s": predict_s,
                "test_rmse": rmse,
                "base_score": params["base_score"],
                # Linux reports ru_maxrss in KiB.
                "peak_rss_mb": usage.ru_maxrss / 1024,
                # The whole process's CPU time: the parent subtracts it from the machine's busy time.
                "process_cpu_s": usage.ru_utime + usage.ru_stime,
                "version": xgb.__version__,
                "python": sys.executable,
            }
        )
    )


if __name__ == "__main__":
    main()
