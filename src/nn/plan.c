/* Memory planning: every intermediate tensor gets a fixed offset in one arena, reused once the
 * tensor's last reader has run (first fit over a sorted block list). Also sizes the scratch
 * buffer that convolutions use for im2col. */
#include <stdlib.h>
#include <string.h>

#include "nn/graph.h"
#include "nn/kernels.h"

#define ALIGN 64

typedef struct {
    size_t offset, size;
    bool free;
} block;

typedef struct {
    block *b;
    int n, cap;
    size_t end;
} arena_plan;

static int insert_block(arena_plan *p, int at, block blk) {
    if (p->n == p->cap) {
        int ncap = p->cap ? p->cap * 2 : 64;
        block *grown = realloc(p->b, (size_t)ncap * sizeof *grown);
        if (!grown) return -1;
        p->b = grown;
        p->cap = ncap;
    }
    memmove(&p->b[at + 1], &p->b[at], (size_t)(p->n - at) * sizeof *p->b);
    p->b[at] = blk;
    p->n++;
    return 0;
}

static int take(arena_plan *p, size_t size, size_t *offset) {
    size = (size + ALIGN - 1) / ALIGN * ALIGN;
    if (size == 0) size = ALIGN;
    int best = -1;
    for (int i = 0; i < p->n; i++) { /* best fit among free blocks */
        if (p->b[i].free && p->b[i].size >= size && (best < 0 || p->b[i].size < p->b[best].size))
            best = i;
    }
    if (best >= 0) {
        block *b = &p->b[best];
        *offset = b->offset;
        if (b->size > size) {
            block rest = {b->offset + size, b->size - size, true};
            b->size = size;
            b->free = false;
            return insert_block(p, best + 1, rest);
        }
        b->free = false;
        return 0;
    }
    /* grow the arena, merging with a free block at its end */
    if (p->n && p->b[p->n - 1].free) {
        block *last = &p->b[p->n - 1];
        *offset = last->offset;
        p->end = last->offset + size;
        last->size = size;
        last->free = false;
        return 0;
    }
    *offset = p->end;
    p->end += size;
    return insert_block(p, p->n, (block){*offset, size, false});
}

static void give_back(arena_plan *p, size_t offset) {
    for (int i = 0; i < p->n; i++) {
        if (p->b[i].offset != offset || p->b[i].free) continue;
        p->b[i].free = true;
        if (i + 1 < p->n && p->b[i + 1].free) { /* merge right */
            p->b[i].size += p->b[i + 1].size;
            memmove(&p->b[i + 1], &p->b[i + 2], (size_t)(p->n - i - 2) * sizeof *p->b);
            p->n--;
        }
        if (i > 0 && p->b[i - 1].free) { /* merge left */
            p->b[i - 1].size += p->b[i].size;
            memmove(&p->b[i], &p->b[i + 1], (size_t)(p->n - i - 1) * sizeof *p->b);
            p->n--;
        }
        return;
    }
}

int nn_plan_memory(nn_model *m, char *err, size_t errlen) {
    for (int i = 0; i < m->nvalues; i++) m->values[i].last_use = -1;
    for (int i = 0; i < m->nnodes; i++) {
        const nn_node *n = &m->nodes[i];
        if (n->dead) continue;
        for (int j = 0; j < n->nin; j++) {
            if (n->in[j] >= 0) m->values[n->in[j]].last_use = i;
        }
        if (n->act_slope >= 0) m->values[n->act_slope].last_use = i;
    }
    for (int i = 0; i < m->noutputs; i++) m->values[m->outputs[i]].last_use = m->nnodes;
    arena_plan p = {0};
    m->scratch_floats = 0;
    for (int i = 0; i < m->nnodes; i++) {
        const nn_node *n = &m->nodes[i];
        if (n->dead) continue;
        if (n->op == OP_CONV) {
            conv_params cp;
            nn_conv_params(m, n, NULL, &cp);
            size_t s = k_conv_scratch(&cp);
            if (s > m->scratch_floats) m->scratch_floats = s;
        }
        for (int j = 0; j < n->nout; j++) {
            nn_value *v = &m->values[n->out[j]];
            if (v->kind != VAL_TEMP) continue;
            if (take(&p, dims_count(&v->dims) * dtype_size(v->dtype), &v->offset) != 0) {
                free(p.b);
                return nn_fail(err, errlen, "out of memory while planning");
            }
            if (v->last_use < 0) v->last_use = i; /* nobody reads it: free right away */
        }
        for (int j = 0; j < m->nvalues; j++) { /* release what this node was last to read */
            nn_value *v = &m->values[j];
            if (v->kind == VAL_TEMP && v->producer >= 0 && v->last_use == i &&
                !m->nodes[v->producer].dead)
                give_back(&p, v->offset);
        }
    }
    m->arena_bytes = p.end;
    free(p.b);
    return 0;
}
