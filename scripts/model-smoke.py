#!/usr/bin/env python3
"""Smoke test of the person detector fetched by scripts/fetch-model.sh (see docs/MODELS.md).

Runs the ONNX model with the onnxruntime Python wheel on photos with people and on people-free images,
prints the detections and the time per inference with 1 and 2 threads, and (with --check) fails if a
person photo yields no confident person or a people-free image yields one.

Usually run through `scripts/fetch-model.sh --smoke [ARGS]`, which builds a venv with the verified
onnxruntime wheel, numpy and scikit-image. Arguments:

  --model PATH           the ONNX model (required)
  --darknet-dir DIR      also use person.jpg, kite.jpg (people) and dog.jpg, horses.jpg, giraffe.jpg
                         (no people) from Debian's darknet package (usr/share/darknet/data)
  --image PATH[:person|:none]   extra images (repeatable); the suffix sets the expectation for --check
  --threads 1,2          thread counts to time (intra-op; inter-op is 1)
  --runs N               timed runs per image and thread count (default 20, after 3 warm-up runs)
  --threshold T          score that counts as a detection (default 0.5)
  --annotate DIR         write PNGs with the boxes drawn, to look at
  --check                exit 1 if an expectation fails
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort
import skimage
from skimage import data, io, transform

SIZE = 300  # the graph resizes any input to 300x300 itself; feeding 300x300 skips that work


def as_rgb_uint8(img):
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    if img.shape[-1] == 4:
        img = img[..., :3]
    if img.dtype != np.uint8:
        img = (np.clip(img, 0, 1) * 255).astype(np.uint8) if img.dtype.kind == "f" else img.astype(np.uint8)
    return np.ascontiguousarray(img)


def resize_300(img):
    out = transform.resize(img, (SIZE, SIZE), order=1, preserve_range=True, anti_aliasing=False)
    return np.ascontiguousarray(np.rint(out).astype(np.uint8))


def builtin_images():
    rng = np.random.default_rng(0)
    return [
        ("skimage astronaut (Eileen Collins)", as_rgb_uint8(data.astronaut()), "person"),
        ("skimage camera (cameraman, grey)", as_rgb_uint8(data.camera()), "person"),
        ("skimage coffee", as_rgb_uint8(data.coffee()), "none"),
        ("skimage chelsea (cat)", as_rgb_uint8(data.chelsea()), "none"),
        ("skimage rocket", as_rgb_uint8(data.rocket()), "none"),
        ("flat grey 300x300", np.full((SIZE, SIZE, 3), 128, np.uint8), "none"),
        ("uniform noise 300x300 (seed 0)", rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8), "none"),
    ]


def darknet_images(directory):
    out = []
    # kite.jpg (1352x900): two people in the foreground about 130-150 px tall (about 45 px tall and
    # 15 px wide after the squash to 300x300), more at 10-30 px further away. The model scores the
    # foreground two at most 0.44, so the image is shown but not checked.
    for name, expect in [("person.jpg", "person"), ("kite.jpg", "small people"), ("dog.jpg", "none"),
                         ("horses.jpg", "none"), ("giraffe.jpg", "none")]:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            out.append((f"darknet {name}", as_rgb_uint8(io.imread(path)), expect))
        else:
            print(f"note: {path} not found, skipped")
    return out


def session(model, threads, spin=True):
    so = ort.SessionOptions()
    if not spin:
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    return ort.InferenceSession(model, sess_options=so, providers=["CPUExecutionProvider"])


def infer(sess, img):
    boxes, scores, classes, num = sess.run(
        ["detection_boxes", "detection_scores", "detection_classes", "num_detections"],
        {"image_tensor": img[np.newaxis]})
    n = int(num[0])
    return boxes[0, :n], scores[0, :n], classes[0, :n]


def timed(sess, img, runs):
    for _ in range(3):
        infer(sess, img)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        infer(sess, img)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))], times[0]


def annotate(img, boxes, scores, threshold, path):
    out = img.copy()
    h, w = out.shape[:2]
    for (y0, x0, y1, x1), s in zip(boxes, scores):
        if s < threshold:
            continue
        r0, c0 = int(y0 * (h - 1)), int(x0 * (w - 1))
        r1, c1 = int(y1 * (h - 1)), int(x1 * (w - 1))
        r0, r1, c0, c1 = max(r0, 0), min(r1, h - 1), max(c0, 0), min(c1, w - 1)
        red = np.array([255, 0, 0], np.uint8)
        out[r0:r0 + 2, c0:c1 + 1] = red
        out[max(r1 - 1, 0):r1 + 1, c0:c1 + 1] = red
        out[r0:r1 + 1, c0:c0 + 2] = red
        out[r0:r1 + 1, max(c1 - 1, 0):c1 + 1] = red
    io.imsave(path, out, check_contrast=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--darknet-dir")
    ap.add_argument("--image", action="append", default=[])
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--annotate")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    print(f"onnxruntime {ort.__version__}, numpy {np.__version__}, scikit-image {skimage.__version__}")
    sess1 = session(args.model, 1)
    meta = sess1.get_modelmeta()
    print(f"model {args.model}: producer {meta.producer_name}, "
          f"metadata {dict(meta.custom_metadata_map)}")
    for i in sess1.get_inputs():
        print(f"  input  {i.name}: {i.type} {i.shape}")
    for o in sess1.get_outputs():
        print(f"  output {o.name}: {o.type} {o.shape}")

    images = builtin_images()
    if args.darknet_dir:
        images += darknet_images(args.darknet_dir)
    for spec in args.image:
        path, _, expect = spec.partition(":")
        images.append((path, as_rgb_uint8(io.imread(path)), expect or "?"))
    if args.annotate:
        os.makedirs(args.annotate, exist_ok=True)

    failures = []
    print(f"\ndetections with score >= {args.threshold} (boxes: normalised ymin, xmin, ymax, xmax;"
          f" class 1 = person); max score of the rest")
    for name, img, expect in images:
        boxes, scores, classes = infer(sess1, img)
        b300, s300, _ = infer(sess1, resize_300(img))
        keep = scores >= args.threshold
        print(f"- {name} {img.shape[1]}x{img.shape[0]} (expect {expect}): {int(keep.sum())} detection(s);"
              f" top score {scores.max() if len(scores) else 0:.3f} native,"
              f" {s300.max() if len(s300) else 0:.3f} pre-resized to 300x300")
        for b, s, c in zip(boxes[keep], scores[keep], classes[keep]):
            print(f"    score {s:.3f} class {int(c)} box [{b[0]:.3f}, {b[1]:.3f}, {b[2]:.3f}, {b[3]:.3f}]"
                  f" = pixels x {b[1] * img.shape[1]:.0f}-{b[3] * img.shape[1]:.0f},"
                  f" y {b[0] * img.shape[0]:.0f}-{b[2] * img.shape[0]:.0f}")
        if not keep.any() and len(scores):
            b, i = boxes[0], 0
            print(f"    (best below threshold: score {scores[i]:.3f} box [{b[0]:.3f}, {b[1]:.3f}, {b[2]:.3f},"
                  f" {b[3]:.3f}])")
        if expect == "person" and not keep.any():
            failures.append(f"{name}: no person with score >= {args.threshold}")
        if expect == "none" and keep.any():
            failures.append(f"{name}: {int(keep.sum())} unexpected detection(s), top {scores.max():.3f}")
        if args.annotate:
            safe = "".join(ch if ch.isalnum() else "_" for ch in name)[:40]
            annotate(img, boxes, scores, args.threshold, os.path.join(args.annotate, safe + ".png"))

    probe = resize_300(images[0][1])
    big = images[0][1]
    print(f"\ntime per inference, {args.runs} runs after 3 warm-up (median / p90 / min, ms):")
    for t in [int(x) for x in args.threads.split(",") if x]:
        variants = [(True, "")] if t == 1 else [(True, ""), (False, ", no spinning")]
        for spin, label in variants:
            sess = sess1 if t == 1 else session(args.model, t, spin)
            for img in (probe, big):
                m, p, lo = timed(sess, img, args.runs)
                size = f"{img.shape[1]}x{img.shape[0]}"
                print(f"  {t} thread(s){label}, {size} input: {m:6.1f} / {p:6.1f} / {lo:6.1f}")

    if failures:
        print("\nexpectation failures:\n  " + "\n  ".join(failures))
        if args.check:
            return 1
    else:
        print("\nall expectations met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
