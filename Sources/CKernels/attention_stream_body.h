// The body of the streaming attention pass (see ckernels_attention.h), written once over a 16-lane
// float vector `v16` and once per cache format. The including file defines v16 and its operations
// for its instruction set:
//   v_zero() v_set1(x) v_load(p) v_store(p, a) v_fmadd(a, b, c) v_add v_sub v_mul v_max v_exp
//   v_any_gt(a, b): some lane of a is greater than that of b
// the row format: CK_AS_ROW(in, dim, block, out) turns the cached row at byte address `in` (f16
// values, or q8_0 blocks of `block` values) into `dim` floats at out,
// and the tile sizes CK_AS_TILE (positions whose scores are summed together: one accumulator each)
// and CK_AS_VCHUNK (dimensions whose weighted sums stay in registers over a block), and the name
// CK_AS_FUNCTION: the body defines CK_AS_FUNCTION##_core over rows `row_bytes` apart, which the
// including file wraps. Heads sit in the lanes: a score is one FMA per dimension (broadcast key
// element x 16 queries), with no horizontal sums, and the softmax runs on all heads at once.

#ifndef CK_AS_FETCH_ROWS
#define CK_AS_FETCH_ROWS 64 // rows fetched ahead: 16 KB of each of the two F16 streams
#endif

#ifndef CK_AS_SPREAD_DEFINED
#define CK_AS_SPREAD_DEFINED
/// The fetch of a later block's rows, one line every `every` steps of the FMA loops. Asked for in
/// one burst per block (64 lines per stream), the lines stalled the FMAs behind them (likely queued
/// on the line-fill buffers): the pass streamed from memory, or from L3, ran 1.4x slower than from
/// L2; spread out they arrive under the arithmetic (docs/PERFORMANCE.md, "Fetches spread").
typedef struct { const char *at, *stop; int64_t every, left; } ck_as_spread;

/// Spreads `bytes` at `at` over `steps` steps (nothing when `at` is NULL).
static inline ck_as_spread ck_as_spread_over(const char *at, int64_t bytes, int64_t steps) {
    const int64_t lines = (bytes + 63) / 64;
    const int64_t every = lines > 0 && steps / lines > 0 ? steps / lines : 1;
    const ck_as_spread s = {at, at ? at + bytes : at, every, every};
    return s;
}

static inline __attribute__((always_inline)) void ck_as_spread_step(ck_as_spread *s) {
    if (--s->left) return;
    s->left = s->every;
    if (s->at < s->stop) {
        _mm_prefetch(s->at, _MM_HINT_T0);
        s->at += 64;
    }
}
#endif

/// Rows j0 ..< j0 + n of `src` as floats in `rows` (dim per row).
static inline void CK_AS_CAT(CK_AS_FUNCTION, _rows)(const uint8_t *src, int64_t row_bytes, int64_t block, int64_t j0,
                                                    int64_t n, int64_t dim, float *rows) {
    for (int64_t r = 0; r < n; r++) CK_AS_ROW(src + (j0 + r) * row_bytes, dim, block, rows + r * dim);
}

/// Scores of CK_AS_TILE rows: p[r * 16 + h] = qt[., h] . rows[r]; one step of `fetch` per dimension.
static inline __attribute__((always_inline)) void CK_AS_CAT(CK_AS_FUNCTION, _tile)(const float *qt, const float *rows, int64_t dim,
                                                                                float *p, ck_as_spread *fetch) {
    v16 acc[CK_AS_TILE];
    for (int r = 0; r < CK_AS_TILE; r++) acc[r] = v_zero();
    // one pointer per operand, kept out of the compiler's reach: it would fold them into one index
    // register, and an indexed operand splits each FMA into two micro-ops on Intel cores
    const float *key = rows, *query = qt;
    for (int64_t d = 0; d < dim; d++, key++, query += 16) {
        __asm__("" : "+r"(key), "+r"(query));
        ck_as_spread_step(fetch);
        const v16 q = v_load(query);
        for (int r = 0; r < CK_AS_TILE; r++) acc[r] = v_fmadd(q, v_set1(key[r * dim]), acc[r]);
    }
    for (int r = 0; r < CK_AS_TILE; r++) v_store(p + r * 16, acc[r]);
}

static inline void CK_AS_CAT(CK_AS_FUNCTION, _one)(const float *qt, const float *row, int64_t dim, float *p) {
    v16 acc = v_zero();
    for (int64_t d = 0; d < dim; d++) acc = v_fmadd(v_load(qt + d * 16), v_set1(row[d]), acc);
    v_store(p, acc);
}

static void CK_AS_CAT(CK_AS_FUNCTION, _core)(const uint8_t *keys, const uint8_t *values, int64_t row_bytes,
                                            int64_t block, int64_t begin, int64_t end, const float *queries,
                                            int64_t qstride, int64_t heads, int64_t dim, float scale, float *work,
                                            float *state) {
    float *qt = work;                            // dim x 16: scaled queries, heads in lanes (others 0)
    float *rows = qt + 16 * dim;                 // CK_ATTN_STREAM_BLOCK x dim: a block's rows as floats
    float *p = rows + CK_ATTN_STREAM_BLOCK * dim; // CK_ATTN_STREAM_BLOCK x 16: scores, then weights
    float *o = state + 32;                       // dim x 16: weighted values, heads in lanes
    for (int64_t d = 0; d < dim; d++) {
        for (int64_t h = 0; h < 16; h++) qt[d * 16 + h] = h < heads ? queries[h * qstride + d] * scale : 0.0f;
        v_store(o + d * 16, v_zero());
    }
    v16 m = v_set1(-INFINITY), l = v_zero();
    for (int64_t j0 = begin; j0 < end; j0 += CK_ATTN_STREAM_BLOCK) {
        const int64_t n = end - j0 < CK_ATTN_STREAM_BLOCK ? end - j0 : CK_ATTN_STREAM_BLOCK;
        CK_AS_CAT(CK_AS_FUNCTION, _rows)(keys, row_bytes, block, j0, n, dim, rows);
        // the rows CK_AS_FETCH_ROWS on (within the range) come in under this block's score and value loops
        const int ahead = j0 + CK_AS_FETCH_ROWS + n <= end;
        const int64_t block_bytes = n * row_bytes, tiles = n / CK_AS_TILE;
        ck_as_spread fetch = ck_as_spread_over(ahead ? (const char *)keys + (j0 + CK_AS_FETCH_ROWS) * row_bytes : NULL,
                                               block_bytes, tiles * dim);
        int64_t r = 0;
        // ChatGLM3's heads of 128: a constant row stride, so _tile's keys are base + displacement
        if (dim == 128)
            for (; r + CK_AS_TILE <= n; r += CK_AS_TILE)
                CK_AS_CAT(CK_AS_FUNCTION, _tile)(qt, rows + r * 128, 128, p + r * 16, &fetch);
        for (; r + CK_AS_TILE <= n; r += CK_AS_TILE)
            CK_AS_CAT(CK_AS_FUNCTION, _tile)(qt, rows + r * dim, dim, p + r * 16, &fetch);
        for (; r < n; r++) CK_AS_CAT(CK_AS_FUNCTION, _one)(qt, rows + r * dim, dim, p + r * 16);

        // online softmax: a new maximum rescales what was summed so far (rare once the first blocks are in)
        v16 top = v_load(p);
        for (r = 1; r < n; r++) top = v_max(top, v_load(p + r * 16));
        if (v_any_gt(top, m)) {
            const v16 raised = v_max(m, top);
            const v16 alpha = v_exp(v_sub(m, raised)); // e^-inf = 0 on the first block
            l = v_mul(l, alpha);
            for (int64_t d = 0; d < dim; d++) v_store(o + d * 16, v_mul(v_load(o + d * 16), alpha));
            m = raised;
        }
        for (r = 0; r < n; r++) {
            const v16 e = v_exp(v_sub(v_load(p + r * 16), m));
            v_store(p + r * 16, e);
            l = v_add(l, e);
        }

        // weighted values, CK_AS_VCHUNK dimensions of sums in registers across the block's rows
        CK_AS_CAT(CK_AS_FUNCTION, _rows)(values, row_bytes, block, j0, n, dim, rows);
        fetch = ck_as_spread_over(ahead ? (const char *)values + (j0 + CK_AS_FETCH_ROWS) * row_bytes : NULL, block_bytes,
                                  (dim + CK_AS_VCHUNK - 1) / CK_AS_VCHUNK * n);
        for (int64_t d0 = 0; d0 < dim; d0 += CK_AS_VCHUNK) {
            v16 acc[CK_AS_VCHUNK];
            for (int i = 0; i < CK_AS_VCHUNK; i++) acc[i] = v_load(o + (d0 + i) * 16);
            for (r = 0; r < n; r++) {
                ck_as_spread_step(&fetch);
                const v16 w = v_load(p + r * 16);
                const float *v = rows + r * dim + d0;
                for (int i = 0; i < CK_AS_VCHUNK; i++) acc[i] = v_fmadd(w, v_set1(v[i]), acc[i]);
            }
            for (int i = 0; i < CK_AS_VCHUNK; i++) v_store(o + (d0 + i) * 16, acc[i]);
        }
    }
    v_store(state, m);
    v_store(state + 16, l);
}
