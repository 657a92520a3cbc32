#!/usr/bin/env python3
"""Scores a tracker's output against ground truth with py-motmetrics (PyPI `motmetrics`).

Usage: scripts/mot_score.py GT.csv HYPOTHESIS.csv
Both files in MOTChallenge CSV: frame,id,left,top,width,height,conf,-1,-1,-1 (frames from 1, pixels),
as `edge-agent detect --tracks` writes them. Prints one JSON object: mota, idf1, switches, and counts.
Matching: IoU >= 0.5 (distance 1 - IoU <= 0.5), the MOTChallenge convention.
"""
import json
import sys

import numpy as np

# motmetrics 1.4.0 (the current release) still calls np.asfarray, removed in NumPy 2.0.
if not hasattr(np, "asfarray"):
    np.asfarray = lambda a, dtype=float: np.asarray(a, dtype=dtype)

import motmetrics as mm  # noqa: E402


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    gt = mm.io.loadtxt(sys.argv[1], fmt="mot15-2D", min_confidence=-1)
    hyp = mm.io.loadtxt(sys.argv[2], fmt="mot15-2D")
    acc = mm.utils.compare_to_groundtruth(gt, hyp, "iou", distth=0.5)
    metrics = mm.metrics.create().compute(
        acc, metrics=["mota", "idf1", "num_switches", "num_false_positives", "num_misses", "num_objects"], name="run")
    row = metrics.loc["run"]
    print(json.dumps({
        "mota": float(row["mota"]), "idf1": float(row["idf1"]), "switches": int(row["num_switches"]),
        "false_positives": int(row["num_false_positives"]), "misses": int(row["num_misses"]),
        "objects": int(row["num_objects"]),
    }))


if __name__ == "__main__":
    main()
