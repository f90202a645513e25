/* ort-c-bench: times one ONNX model in ONNX Runtime through its C API, one thread, without Node.
 *   ort-c-bench LIBONNXRUNTIME.so MODEL INPUT.bin DIMS RUNS [OUT_PREFIX]
 * LIBONNXRUNTIME.so is the library the onnxruntime-node package ships (build/ort/...), opened
 * with dlopen; DIMS is the input shape as "1,3,112,112"; INPUT.bin float32 little-endian. Runs
 * once to warm up, then RUNS times, and prints "ort_c_ms=<median>". With OUT_PREFIX, writes
 * output i to OUT_PREFIX.i.bin. ORT_FTZ=1 sets the session's denormals-as-zero option.
 *
 * The npm package ships no C header, so the few entry points used are declared here. The ABI is
 * the documented one: OrtGetApiBase() is the library's exported C entry, GetApi(version) returns
 * the OrtApi table of function pointers, and ONNX Runtime guarantees that the order of that
 * table never changes once a version has shipped (new functions are only appended; its own
 * onnxruntime_c_api.cc checks this with static asserts, e.g. ReleaseCustomOpDomain at slot 101,
 * the last of version 1). Every slot used below is from versions 1 and 5. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/file.h"

#define ORT_API_VERSION_USED 20 /* ONNX Runtime 1.20.x, the version fetch-ort.sh pins */

typedef struct OrtStatus OrtStatus;
typedef struct OrtEnv OrtEnv;
typedef struct OrtSession OrtSession;
typedef struct OrtSessionOptions OrtSessionOptions;
typedef struct OrtMemoryInfo OrtMemoryInfo;
typedef struct OrtValue OrtValue;
typedef struct OrtAllocator OrtAllocator;
typedef struct OrtTensorTypeAndShapeInfo OrtTensorTypeAndShapeInfo;

typedef void (*ort_fn)(void); /* a generic slot of the table */
typedef struct {
    const ort_fn *(*GetApi)(uint32_t version);
    const char *(*GetVersionString)(void);
} OrtApiBase;

/* Slots of the OrtApi table (onnxruntime_c_api.h, struct OrtApi, in declaration order). */
enum {
    SLOT_GetErrorMessage = 2,
    SLOT_CreateEnv = 3,
    SLOT_CreateSession = 7,
    SLOT_Run = 9,
    SLOT_CreateSessionOptions = 10,
    SLOT_SetSessionExecutionMode = 13,
    SLOT_SetSessionGraphOptimizationLevel = 23,
    SLOT_SetIntraOpNumThreads = 24,
    SLOT_SetInterOpNumThreads = 25,
    SLOT_SessionGetInputCount = 30,
    SLOT_SessionGetOutputCount = 31,
    SLOT_SessionGetInputName = 36,
    SLOT_SessionGetOutputName = 37,
    SLOT_CreateTensorWithDataAsOrtValue = 49,
    SLOT_GetTensorMutableData = 51,
    SLOT_GetTensorShapeElementCount = 64,
    SLOT_GetTensorTypeAndShape = 65,
    SLOT_CreateCpuMemoryInfo = 69,
    SLOT_AllocatorFree = 76,
    SLOT_GetAllocatorWithDefaultOptions = 78,
    SLOT_ReleaseStatus = 93,
    SLOT_ReleaseValue = 96,
    SLOT_ReleaseTensorTypeAndShapeInfo = 99,
    SLOT_AddSessionConfigEntry = 130,
};

/* enum values from the same header */
#define ORT_LOGGING_LEVEL_WARNING 2
#define ORT_SEQUENTIAL            0
#define ORT_ENABLE_ALL            99
#define ORT_ARENA_ALLOCATOR       1
#define ORT_MEM_TYPE_DEFAULT      0
#define ONNX_FLOAT                1

static const ort_fn *api;

#define CALL(slot, type, ...) ((type)api[SLOT_##slot])(__VA_ARGS__)

static int check(OrtStatus *st, const char *what) {
    if (!st) return 0;
    fprintf(stderr, "ort-c-bench: %s: %s\n", what,
            CALL(GetErrorMessage, const char *(*)(const OrtStatus *), st));
    CALL(ReleaseStatus, void (*)(OrtStatus *), st);
    return -1;
}

typedef OrtStatus *(*fn_so_int)(OrtSessionOptions *, int);

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: ort-c-bench LIBONNXRUNTIME.so MODEL INPUT.bin DIMS RUNS "
                        "[OUT_PREFIX]\n");
        return 2;
    }
    const char *model = argv[2], *out_prefix = argc > 6 ? argv[6] : NULL;
    int runs = atoi(argv[5]);
    if (runs < 1) runs = 1;
    int64_t dims[8];
    size_t rank = 0, count = 1;
    for (char *s = argv[4]; *s && rank < 8;) {
        dims[rank] = strtoll(s, &s, 10);
        count *= (size_t)dims[rank++];
        if (*s == ',') s++;
    }
    size_t in_len = 0;
    uint8_t *input = file_read_all(argv[3], 256u << 20, &in_len);
    if (!input || in_len != count * sizeof(float)) {
        fprintf(stderr, "ort-c-bench: %s: expected %zu floats\n", argv[3], count);
        return 1;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    const OrtApiBase *(*get_base)(void) = NULL;
    if (lib) *(void **)&get_base = dlsym(lib, "OrtGetApiBase");
    const OrtApiBase *base = get_base ? get_base() : NULL;
    api = base ? base->GetApi(ORT_API_VERSION_USED) : NULL;
    if (!api) {
        fprintf(stderr, "ort-c-bench: no ONNX Runtime C API %d in %s (%s)\n", ORT_API_VERSION_USED,
                argv[1], lib ? "OrtGetApiBase" : dlerror());
        return 1;
    }
    OrtEnv *env = NULL;
    OrtSessionOptions *opts = NULL;
    OrtSession *session = NULL;
    OrtMemoryInfo *mem = NULL;
    OrtAllocator *alloc = NULL;
    if (check(CALL(CreateEnv, OrtStatus * (*)(int, const char *, OrtEnv **),
                   ORT_LOGGING_LEVEL_WARNING, "bench", &env),
              "CreateEnv") ||
        check(CALL(CreateSessionOptions, OrtStatus * (*)(OrtSessionOptions **), &opts),
              "CreateSessionOptions") ||
        check(CALL(SetIntraOpNumThreads, fn_so_int, opts, 1), "SetIntraOpNumThreads") ||
        check(CALL(SetInterOpNumThreads, fn_so_int, opts, 1), "SetInterOpNumThreads") ||
        check(CALL(SetSessionExecutionMode, fn_so_int, opts, ORT_SEQUENTIAL),
              "SetSessionExecutionMode") ||
        check(CALL(SetSessionGraphOptimizationLevel, fn_so_int, opts, ORT_ENABLE_ALL),
              "SetSessionGraphOptimizationLevel"))
        return 1;
    const char *ftz = getenv("ORT_FTZ");
    if (ftz && !strcmp(ftz, "1") &&
        check(CALL(AddSessionConfigEntry,
                   OrtStatus * (*)(OrtSessionOptions *, const char *, const char *), opts,
                   "session.set_denormal_as_zero", "1"),
              "AddSessionConfigEntry"))
        return 1;
    if (check(CALL(CreateSession,
                   OrtStatus *
                       (*)(const OrtEnv *, const char *, const OrtSessionOptions *, OrtSession **),
                   env, model, opts, &session),
              "CreateSession") ||
        check(CALL(CreateCpuMemoryInfo, OrtStatus * (*)(int, int, OrtMemoryInfo **),
                   ORT_ARENA_ALLOCATOR, ORT_MEM_TYPE_DEFAULT, &mem),
              "CreateCpuMemoryInfo") ||
        check(CALL(GetAllocatorWithDefaultOptions, OrtStatus * (*)(OrtAllocator **), &alloc),
              "GetAllocatorWithDefaultOptions"))
        return 1;
    size_t n_in = 0, n_out = 0;
    typedef OrtStatus *(*fn_count)(const OrtSession *, size_t *);
    typedef OrtStatus *(*fn_name)(const OrtSession *, size_t, OrtAllocator *, char **);
    if (check(CALL(SessionGetInputCount, fn_count, session, &n_in), "SessionGetInputCount") ||
        check(CALL(SessionGetOutputCount, fn_count, session, &n_out), "SessionGetOutputCount"))
        return 1;
    if (n_in != 1 || n_out < 1 || n_out > 16) {
        fprintf(stderr, "ort-c-bench: %zu inputs, %zu outputs: one input expected\n", n_in, n_out);
        return 1;
    }
    char *in_name = NULL, *out_names[16] = {0};
    if (check(CALL(SessionGetInputName, fn_name, session, 0, alloc, &in_name),
              "SessionGetInputName"))
        return 1;
    for (size_t i = 0; i < n_out; i++)
        if (check(CALL(SessionGetOutputName, fn_name, session, i, alloc, &out_names[i]),
                  "SessionGetOutputName"))
            return 1;
    OrtValue *in_value = NULL;
    if (check(CALL(CreateTensorWithDataAsOrtValue,
                   OrtStatus * (*)(const OrtMemoryInfo *, void *, size_t, const int64_t *, size_t,
                                   int, OrtValue **),
                   mem, input, in_len, dims, rank, ONNX_FLOAT, &in_value),
              "CreateTensorWithDataAsOrtValue"))
        return 1;
    typedef OrtStatus *(*fn_run)(OrtSession *, const void *, const char *const *,
                                 const OrtValue *const *, size_t, const char *const *, size_t,
                                 OrtValue **);
    const char *in_names[1] = {in_name};
    const OrtValue *inputs[1] = {in_value};
    OrtValue *outputs[16] = {0};
    double *t = malloc((size_t)runs * sizeof *t);
    if (!t) return 1;
    for (int r = -1; r < runs; r++) { /* r = -1: warm-up */
        for (size_t i = 0; i < n_out; i++) {
            CALL(ReleaseValue, void (*)(OrtValue *), outputs[i]);
            outputs[i] = NULL;
        }
        double t0 = now_ms();
        if (check(CALL(Run, fn_run, session, NULL, in_names, inputs, 1,
                       (const char *const *)out_names, n_out, outputs),
                  "Run"))
            return 1;
        if (r >= 0) t[r] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    for (size_t i = 0; out_prefix && i < n_out; i++) {
        OrtTensorTypeAndShapeInfo *info = NULL;
        size_t elems = 0;
        float *data = NULL;
        if (check(CALL(GetTensorTypeAndShape,
                       OrtStatus * (*)(const OrtValue *, OrtTensorTypeAndShapeInfo **), outputs[i],
                       &info),
                  "GetTensorTypeAndShape") ||
            check(CALL(GetTensorShapeElementCount,
                       OrtStatus * (*)(const OrtTensorTypeAndShapeInfo *, size_t *), info, &elems),
                  "GetTensorShapeElementCount") ||
            check(CALL(GetTensorMutableData, OrtStatus * (*)(OrtValue *, void **), outputs[i],
                       (void **)&data),
                  "GetTensorMutableData"))
            return 1;
        CALL(ReleaseTensorTypeAndShapeInfo, void (*)(OrtTensorTypeAndShapeInfo *), info);
        char path[4096];
        snprintf(path, sizeof path, "%s.%zu.bin", out_prefix, i);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(data, sizeof(float), elems, f) != elems || fclose(f) != 0) {
            fprintf(stderr, "ort-c-bench: cannot write %s\n", path);
            return 1;
        }
    }
    printf("ort_c_ms=%.3f\n", t[runs / 2]);
    /* the process ends here: the session, environment and library go with it */
    typedef OrtStatus *(*fn_free)(OrtAllocator *, void *);
    for (size_t i = 0; i < n_out; i++) {
        CALL(ReleaseValue, void (*)(OrtValue *), outputs[i]);
        check(CALL(AllocatorFree, fn_free, alloc, out_names[i]), "AllocatorFree");
    }
    check(CALL(AllocatorFree, fn_free, alloc, in_name), "AllocatorFree");
    CALL(ReleaseValue, void (*)(OrtValue *), in_value);
    free(t);
    free(input);
    return 0;
}
