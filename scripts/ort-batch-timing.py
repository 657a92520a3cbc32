#!/usr/bin/env python3
"""ONNX Runtime cost per image with batches of 1, 4 and 8 (one thread) for the pinned person model:
the measurement behind docs/MODELS.md's "batching tensors gains nothing on a CPU".

Usage: .build/models/venv-smoke/bin/python3 scripts/ort-batch-timing.py [MODEL]
(`scripts/fetch-model.sh --smoke` builds that venv; MODEL defaults to .build/models/person-ssdlite.onnx).
"""
import sys
import time

import numpy as np
import onnxruntime as ort

model = sys.argv[1] if len(sys.argv) > 1 else ".build/models/person-ssdlite.onnx"
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
rng = np.random.default_rng(1)
for batch in (1, 4, 8):
    images = rng.integers(0, 255, (batch, 300, 300, 3), dtype=np.uint8)
    session.run(None, {"image_tensor": images})  # warm-up
    rounds = 10
    started = time.perf_counter()
    for _ in range(rounds):
        session.run(["detection_boxes", "detection_scores"], {"image_tensor": images})
    per_image = (time.perf_counter() - started) / rounds / batch * 1000
    print(f"batch {batch}: {per_image:.1f} ms per 300x300 image")
