/* onnx-flush: a copy of an ONNX model with every subnormal float32 weight set to zero.
 *   onnx-flush MODEL.onnx OUT.onnx
 * Walks the graph's initializers and the tensors held by node attributes (Constant nodes,
 * subgraphs included), in float_data or raw_data, and replaces each value whose magnitude is
 * below FLT_MIN (and not zero) by a zero of the same sign. Prints
 * "flushed=<count> of floats=<count>". Used by bench/nn/run.sh at bench time so that ONNX Runtime
 * can be timed on the same network without the subnormal arithmetic (ekycd flushes them in
 * hardware for the duration of a run: FTZ/DAZ). Weights are never committed: the copy lives in
 * a temporary directory. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"
#include "util/file.h"

#define ONNX_FLOAT 1

static size_t total, flushed;

static float flush_one(float v) {
    total++;
    if (v != 0.0f && fabsf(v) < FLT_MIN) {
        flushed++;
        return signbit(v) ? -0.0f : 0.0f;
    }
    return v;
}

static void flush_graph(Onnx__GraphProto *g);

static void flush_tensor(Onnx__TensorProto *t) {
    if (!t || !t->has_data_type || t->data_type != ONNX_FLOAT) return;
    for (size_t i = 0; i < t->n_float_data; i++) t->float_data[i] = flush_one(t->float_data[i]);
    if (t->has_raw_data)
        for (size_t off = 0; off + 4 <= t->raw_data.len; off += 4) {
            float v;
            memcpy(&v, t->raw_data.data + off, 4); /* raw_data is little-endian, unaligned */
            v = flush_one(v);
            memcpy(t->raw_data.data + off, &v, 4);
        }
}

static void flush_attribute(Onnx__AttributeProto *a) {
    flush_tensor(a->t);
    for (size_t i = 0; i < a->n_tensors; i++) flush_tensor(a->tensors[i]);
    if (a->g) flush_graph(a->g);
    for (size_t i = 0; i < a->n_graphs; i++) flush_graph(a->graphs[i]);
}

static void flush_graph(Onnx__GraphProto *g) {
    for (size_t i = 0; i < g->n_initializer; i++) flush_tensor(g->initializer[i]);
    for (size_t i = 0; i < g->n_node; i++)
        for (size_t j = 0; j < g->node[i]->n_attribute; j++)
            flush_attribute(g->node[i]->attribute[j]);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: onnx-flush MODEL.onnx OUT.onnx\n");
        return 2;
    }
    size_t len = 0;
    uint8_t *bytes = file_read_all(argv[1], 512u << 20, &len);
    Onnx__ModelProto *m = bytes ? onnx__model_proto__unpack(NULL, len, bytes) : NULL;
    free(bytes);
    if (!m || !m->graph) {
        fprintf(stderr, "onnx-flush: cannot read %s\n", argv[1]);
        return 1;
    }
    flush_graph(m->graph);
    size_t out_len = onnx__model_proto__get_packed_size(m);
    uint8_t *out = malloc(out_len ? out_len : 1);
    FILE *f = out ? fopen(argv[2], "wb") : NULL;
    int rc = 1;
    if (f) {
        onnx__model_proto__pack(m, out);
        rc = fwrite(out, 1, out_len, f) == out_len ? 0 : 1;
        rc |= fclose(f) != 0;
    }
    free(out);
    onnx__model_proto__free_unpacked(m, NULL);
    if (rc) {
        fprintf(stderr, "onnx-flush: cannot write %s\n", argv[2]);
        return 1;
    }
    printf("flushed=%zu of floats=%zu\n", flushed, total);
    return 0;
}
