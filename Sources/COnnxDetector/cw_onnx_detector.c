#include "cw_onnx_detector.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- The part of the ONNX Runtime C ABI used here ----------------------------------------------
// `OrtGetApiBase()` returns {GetApi, GetVersionString}; `GetApi(version)` returns a table of
// function pointers that only ever grows at its end, so a slot keeps its index in every later
// version. The indices below (and signatures) are those of API version 3 and later; requesting
// version 3 works with any runtime since 1.3. Opaque handles are `void *`.
typedef void *ort_status;  // NULL: success
typedef struct {
    const void *const *(*get_api)(uint32_t version);
    const char *(*get_version_string)(void);
} ort_api_base;

enum {
    ORT_API_VERSION_USED = 3,
    SLOT_GET_ERROR_MESSAGE = 2,
    SLOT_CREATE_ENV = 3,
    SLOT_CREATE_SESSION = 7,
    SLOT_RUN = 9,
    SLOT_CREATE_SESSION_OPTIONS = 10,
    SLOT_SET_GRAPH_OPTIMIZATION_LEVEL = 23,
    SLOT_SET_INTRA_OP_THREADS = 24,
    SLOT_SET_INTER_OP_THREADS = 25,
    SLOT_CREATE_TENSOR_WITH_DATA = 49,
    SLOT_GET_TENSOR_MUTABLE_DATA = 51,
    SLOT_GET_DIMENSIONS_COUNT = 61,
    SLOT_GET_DIMENSIONS = 62,
    SLOT_GET_TENSOR_TYPE_AND_SHAPE = 65,
    SLOT_CREATE_CPU_MEMORY_INFO = 69,
    SLOT_RELEASE_ENV = 92,
    SLOT_RELEASE_STATUS = 93,
    SLOT_RELEASE_MEMORY_INFO = 94,
    SLOT_RELEASE_SESSION = 95,
    SLOT_RELEASE_VALUE = 96,
    SLOT_RELEASE_TENSOR_TYPE_AND_SHAPE = 99,
    SLOT_RELEASE_SESSION_OPTIONS = 100,
};
enum { LOGGING_WARNING = 2, OPTIMIZE_ALL = 99, ARENA_ALLOCATOR = 1, MEM_TYPE_DEFAULT = 0, ELEMENT_UINT8 = 2, ELEMENT_FLOAT = 1 };

typedef const char *(*fn_get_error_message)(ort_status);
typedef ort_status (*fn_create_env)(int level, const char *log_id, void **env);
typedef ort_status (*fn_create_session)(const void *env, const char *path, const void *options, void **session);
typedef ort_status (*fn_run)(void *session, const void *run_options, const char *const *input_names, const void *const *inputs,
                             size_t input_count, const char *const *output_names, size_t output_count, void **outputs);
typedef ort_status (*fn_create_session_options)(void **options);
typedef ort_status (*fn_set_int_option)(void *options, int value);
typedef ort_status (*fn_create_tensor_with_data)(const void *memory_info, void *data, size_t bytes, const int64_t *shape,
                                                 size_t shape_length, int element_type, void **value);
typedef ort_status (*fn_get_tensor_mutable_data)(void *value, void **data);
typedef ort_status (*fn_get_tensor_type_and_shape)(const void *value, void **info);
typedef ort_status (*fn_get_dimensions_count)(const void *info, size_t *count);
typedef ort_status (*fn_get_dimensions)(const void *info, int64_t *dims, size_t count);
typedef ort_status (*fn_create_cpu_memory_info)(int allocator_type, int mem_type, void **info);
typedef void (*fn_release)(void *handle);

struct cw_detector {
    void *library;
    const void *const *api;
    const char *version;
    void *env;
    void *session;
    void *memory_info;
};

#define CALL(d, slot, type) ((type)(d)->api[slot])
#define RELEASE(d, slot, handle) do { if (handle) CALL(d, slot, fn_release)(handle); } while (0)

/// Copies a failed status's message into `error` and frees the status; true when it failed.
static int failed(const cw_detector *d, ort_status status, const char *what, char *error, size_t error_size) {
    if (!status) return 0;
    snprintf(error, error_size, "%s: %s", what, CALL(d, SLOT_GET_ERROR_MESSAGE, fn_get_error_message)(status));
    CALL(d, SLOT_RELEASE_STATUS, fn_release)(status);
    return 1;
}

cw_detector *cw_detector_open(const char *library_path, const char *model_path, int threads, char *error, size_t error_size) {
    cw_detector *d = calloc(1, sizeof *d);
    if (!d) { snprintf(error, error_size, "out of memory"); return NULL; }
    d->library = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
    if (!d->library) { snprintf(error, error_size, "cannot load ONNX Runtime: %s", dlerror()); free(d); return NULL; }
    const ort_api_base *(*get_base)(void) = (const ort_api_base *(*)(void))dlsym(d->library, "OrtGetApiBase");
    const ort_api_base *base = get_base ? get_base() : NULL;
    d->api = base ? base->get_api(ORT_API_VERSION_USED) : NULL;
    if (!d->api) {
        snprintf(error, error_size, "%s is not a usable ONNX Runtime (no OrtGetApiBase or API version %d)", library_path, ORT_API_VERSION_USED);
        dlclose(d->library); free(d); return NULL;
    }
    d->version = base->get_version_string();
    void *options = NULL;
    if (failed(d, CALL(d, SLOT_CREATE_ENV, fn_create_env)(LOGGING_WARNING, "citywatch", &d->env), "creating the environment", error, error_size)
        || failed(d, CALL(d, SLOT_CREATE_SESSION_OPTIONS, fn_create_session_options)(&options), "session options", error, error_size)
        || failed(d, CALL(d, SLOT_SET_INTRA_OP_THREADS, fn_set_int_option)(options, threads < 1 ? 1 : threads), "threads", error, error_size)
        || failed(d, CALL(d, SLOT_SET_INTER_OP_THREADS, fn_set_int_option)(options, 1), "threads", error, error_size)
        || failed(d, CALL(d, SLOT_SET_GRAPH_OPTIMIZATION_LEVEL, fn_set_int_option)(options, OPTIMIZE_ALL), "optimisation", error, error_size)
        || failed(d, CALL(d, SLOT_CREATE_SESSION, fn_create_session)(d->env, model_path, options, &d->session), "loading the model", error, error_size)
        || failed(d, CALL(d, SLOT_CREATE_CPU_MEMORY_INFO, fn_create_cpu_memory_info)(ARENA_ALLOCATOR, MEM_TYPE_DEFAULT, &d->memory_info), "memory info", error, error_size)) {
        RELEASE(d, SLOT_RELEASE_SESSION_OPTIONS, options);
        cw_detector_close(d);
        return NULL;
    }
    RELEASE(d, SLOT_RELEASE_SESSION_OPTIONS, options);
    return d;
}

/// The element count of an output tensor, checked against what the caller expects.
static int64_t elements(cw_detector *d, void *value, char *error, size_t error_size) {
    void *info = NULL;
    size_t rank = 0;
    int64_t dims[8] = {0};
    int64_t count = -1;
    if (!failed(d, CALL(d, SLOT_GET_TENSOR_TYPE_AND_SHAPE, fn_get_tensor_type_and_shape)(value, &info), "output shape", error, error_size)
        && !failed(d, CALL(d, SLOT_GET_DIMENSIONS_COUNT, fn_get_dimensions_count)(info, &rank), "output rank", error, error_size)) {
        if (rank > 8) {
            snprintf(error, error_size, "output rank %zu", rank);
        } else if (!failed(d, CALL(d, SLOT_GET_DIMENSIONS, fn_get_dimensions)(info, dims, rank), "output dimensions", error, error_size)) {
            count = 1;
            for (size_t i = 0; i < rank; i++) count *= dims[i];
        }
    }
    RELEASE(d, SLOT_RELEASE_TENSOR_TYPE_AND_SHAPE, info);
    return count;
}

int cw_detector_run(cw_detector *d, const uint8_t *rgb, int64_t width, int64_t height,
                    float *boxes, float *scores, int capacity, char *error, size_t error_size) {
    if (width < 1 || height < 1 || capacity < 0) { snprintf(error, error_size, "bad image size %lldx%lld", (long long)width, (long long)height); return -1; }
    const int64_t shape[4] = {1, height, width, 3};
    void *input = NULL;
    void *outputs[2] = {NULL, NULL};
    const char *input_names[1] = {"image_tensor"};
    const char *output_names[2] = {"detection_boxes", "detection_scores"};
    int result = -1;
    // The runtime reads the pixels and does not write them (the cast only satisfies the signature).
    if (failed(d, CALL(d, SLOT_CREATE_TENSOR_WITH_DATA, fn_create_tensor_with_data)(d->memory_info, (void *)rgb, (size_t)(width * height * 3), shape, 4, ELEMENT_UINT8, &input), "input tensor", error, error_size)
        || failed(d, CALL(d, SLOT_RUN, fn_run)(d->session, NULL, input_names, (const void *const *)&input, 1, output_names, 2, outputs), "running the model", error, error_size)) {
        goto done;
    }
    int64_t box_count = elements(d, outputs[0], error, error_size);
    int64_t score_count = elements(d, outputs[1], error, error_size);
    if (box_count < 0 || score_count < 0) goto done;
    if (box_count != score_count * 4) { snprintf(error, error_size, "unexpected outputs: %lld box values for %lld scores", (long long)box_count, (long long)score_count); goto done; }
    float *box_data = NULL, *score_data = NULL;
    if (failed(d, CALL(d, SLOT_GET_TENSOR_MUTABLE_DATA, fn_get_tensor_mutable_data)(outputs[0], (void **)&box_data), "boxes", error, error_size)
        || failed(d, CALL(d, SLOT_GET_TENSOR_MUTABLE_DATA, fn_get_tensor_mutable_data)(outputs[1], (void **)&score_data), "scores", error, error_size)) {
        goto done;
    }
    int n = score_count < capacity ? (int)score_count : capacity;
    memcpy(boxes, box_data, sizeof(float) * 4 * (size_t)n);
    memcpy(scores, score_data, sizeof(float) * (size_t)n);
    result = n;
done:
    RELEASE(d, SLOT_RELEASE_VALUE, input);
    RELEASE(d, SLOT_RELEASE_VALUE, outputs[0]);
    RELEASE(d, SLOT_RELEASE_VALUE, outputs[1]);
    return result;
}

const char *cw_detector_runtime_version(const cw_detector *d) { return d->version; }

void cw_detector_close(cw_detector *d) {
    if (!d) return;
    if (d->api) {
        RELEASE(d, SLOT_RELEASE_MEMORY_INFO, d->memory_info);
        RELEASE(d, SLOT_RELEASE_SESSION, d->session);
        RELEASE(d, SLOT_RELEASE_ENV, d->env);
    }
    // The library stays loaded: ONNX Runtime keeps global state and does not support unloading.
    free(d);
}
