#ifndef CW_ONNX_DETECTOR_H
#define CW_ONNX_DETECTOR_H
#include <stddef.h>
#include <stdint.h>

/// A person detector run by ONNX Runtime, loaded at run time with dlopen: the library comes
/// from the onnxruntime wheel (scripts/fetch-model.sh), which ships no C headers, so this file
/// declares the few calls it makes itself (see cw_onnx_detector.c). A missing library or model
/// is an error message, never a crash, so the agent can fall back to classical detection.
typedef struct cw_detector cw_detector;

/// Opens `model_path` with the library at `library_path`, `threads` intra-op threads (>= 1).
/// NULL on failure, with the reason in `error`.
cw_detector *cw_detector_open(const char *library_path, const char *model_path, int threads, char *error, size_t error_size);

/// Runs the model on one RGB image (`width` x `height`, 3 bytes per pixel, rows packed). Writes
/// up to `capacity` detections, best first: `boxes` gets ymin, xmin, ymax, xmax (fractions of the
/// image) per detection, `scores` the confidence. Returns how many (>= 0), or -1 with `error`.
int cw_detector_run(cw_detector *detector, const uint8_t *rgb, int64_t width, int64_t height,
                    float *boxes, float *scores, int capacity, char *error, size_t error_size);

/// The runtime's version string ("1.32.0").
const char *cw_detector_runtime_version(const cw_detector *detector);

void cw_detector_close(cw_detector *detector);

#endif
