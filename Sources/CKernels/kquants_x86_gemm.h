// The batched (prompt) kernels: a tile of rows is first repacked, eight rows at a time, into
// "panels" whose every 32-byte register holds four consecutive weights of each of the eight rows
// (unpacked to bytes), so one broadcast of four activation bytes feeds eight rows at once and the
// int16 products of a whole scale group add up before a single vpmaddwd applies the eight rows'
// scales. The repacking is paid once per tile and shared by every token of the batch.
// Per (row, token) the integers and float operations are the contract's, so results equal the
// single-token kernels' bit for bit. Included by kquants_x86_body.h (needs kq_unpack_super & co).

/// Batches of at least this many tokens take the panel path; smaller ones the row kernels.
#define KQ_PANEL_MIN_TOKENS 8

/// Repacked bytes per chunk of panels: eight 4096-element Q4_K rows make a 46 KB panel, so four of
/// them; a whole 256 KB tile's panels (650 KB) overflowed a 512 KB L2 and ran no faster than the
/// row kernels (docs/PERFORMANCE.md, k-quants).
#define KQ_PANEL_CHUNK_BYTES (192u << 10)

/// Eight rows' 32-bit words j (j < 8) gathered: out[j] lane r = in[r] lane j.
static inline void kq_transpose8(__m256i m[8]) {
    __m256i a[8], b[8];
    for (int i = 0; i < 4; i++) {
        a[2 * i] = _mm256_unpacklo_epi32(m[2 * i], m[2 * i + 1]);
        a[2 * i + 1] = _mm256_unpackhi_epi32(m[2 * i], m[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        b[4 * i] = _mm256_unpacklo_epi64(a[4 * i], a[4 * i + 2]);
        b[4 * i + 1] = _mm256_unpackhi_epi64(a[4 * i], a[4 * i + 2]);
        b[4 * i + 2] = _mm256_unpacklo_epi64(a[4 * i + 1], a[4 * i + 3]);
        b[4 * i + 3] = _mm256_unpackhi_epi64(a[4 * i + 1], a[4 * i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        m[i] = _mm256_permute2x128_si256(b[i], b[4 + i], 0x20);
        m[4 + i] = _mm256_permute2x128_si256(b[i], b[4 + i], 0x31);
    }
}

// ---- super-block panels -------------------------------------------------------------------------

/// A panel's super-block: 64 registers of weights (k4-major: four weights of each row), one
/// register of 16-bit scales per scale group (lanes 2r, 2r + 1 = row r's), eight registers pairing
/// the per-16 min (or offset x scale) terms of rows with the activation's pair of group sums, and
/// the rows' d and dmin.
typedef struct {
    __m256i w[64];
    __m256i scale[16];
    __m256i mins[8];
    __m256 d, dmin;
} kq_super_panel;

/// Elements per scale group, and the steps of four weights whose int16 products may add up before
/// vpmaddwd (2 u x 127 per step per lane, below 2^15): Q4_K 8 (u < 16); Q5_K 4 (u < 32); Q6_K 2 (u < 64).
static inline int kq_group_elements(ck_kq_type type) { return type == CK_KQ_Q4_K || type == CK_KQ_Q5_K ? 32 : 16; }
static inline int kq_steps_per_madd(ck_kq_type type) {
    switch (type) {
    case CK_KQ_Q4_K: return 8;
    case CK_KQ_Q5_K: return 4;
    case CK_KQ_Q6_K: return 2;
    default: return 4;  // Q2_K (u < 4), Q3_K (u < 8): a whole 16-element group
    }
}

static inline __attribute__((always_inline)) void kq_pack_super_panel(ck_kq_type type, const uint8_t *row0, size_t row_bytes, int64_t nsuper,
                                kq_super_panel *out) {
    const int group = kq_group_elements(type);
    kq_super s[8];
    for (int64_t i = 0; i < nsuper; i++) {
        kq_super_panel *p = out + i;
        float d[8], dmin[8];
        for (int r = 0; r < 8; r++) {
            kq_unpack_super(type, row0 + r * row_bytes, i, &s[r]);
            d[r] = _cvtsh_ss(s[r].d);
            dmin[r] = _cvtsh_ss(s[r].dmin);
        }
        for (int c = 0; c < 8; c++) {
            __m256i m[8];
            for (int r = 0; r < 8; r++) m[r] = s[r].run[c];
            kq_transpose8(m);
            for (int j = 0; j < 8; j++) p->w[8 * c + j] = m[j];
        }
        int16_t lanes[16];
        for (int g = 0; g < 256 / group; g++) {
            for (int r = 0; r < 8; r++) lanes[2 * r] = lanes[2 * r + 1] = s[r].scale16[g * group / 16];
            p->scale[g] = kq_load(lanes);
        }
        for (int j = 0; j < 8; j++) {
            for (int r = 0; r < 8; r++)
                for (int k = 0; k < 2; k++) {
                    const int g = 2 * j + k;
                    lanes[2 * r + k] = (int16_t)(s[r].has_min ? s[r].min16[g] : s[r].offset * s[r].scale16[g]);
                }
            p->mins[j] = kq_load(lanes);
        }
        p->d = _mm256_loadu_ps(d);
        p->dmin = _mm256_loadu_ps(dmin);
    }
}

static inline __attribute__((always_inline)) void kq_super_panel_tokens(ck_kq_type type, const kq_super_panel *panel,
                                                                        int64_t nsuper, const ck_q8k_act *xs,
                                                                        const int NT, float *y, int64_t ldy) {
    const int group = kq_group_elements(type), steps = kq_steps_per_madd(type);
    const int has_min = type == CK_KQ_Q2_K || type == CK_KQ_Q4_K || type == CK_KQ_Q5_K;
    __m256 acc[KQ_MAX_TOKENS];
    for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nsuper; i++) {
        const kq_super_panel *p = panel + i;
        __m256i dot[KQ_MAX_TOKENS];
        for (int t = 0; t < NT; t++) dot[t] = _mm256_setzero_si256();
        for (int k = 0; k < 64; k += steps) {
            const __m256i sc = p->scale[4 * k / group];
            __m256i prod[KQ_MAX_TOKENS];
            for (int t = 0; t < NT; t++) prod[t] = _mm256_setzero_si256();
            for (int j = 0; j < steps; j++) {
                const __m256i w = p->w[k + j];
                for (int t = 0; t < NT; t++) {
                    int32_t four;
                    memcpy(&four, xs[t].q + 256 * i + 4 * (k + j), 4);
                    prod[t] = _mm256_add_epi16(prod[t], _mm256_maddubs_epi16(w, _mm256_set1_epi32(four)));
                }
            }
            for (int t = 0; t < NT; t++) dot[t] = _mm256_add_epi32(dot[t], _mm256_madd_epi16(prod[t], sc));
        }
        for (int t = 0; t < NT; t++) {
            __m256i mins = _mm256_setzero_si256();
            const int16_t *bsums = xs[t].bsums + 16 * i;
            for (int j = 0; j < 8; j++) {
                int32_t pair;
                memcpy(&pair, bsums + 2 * j, 4);
                mins = _mm256_add_epi32(mins, _mm256_madd_epi16(p->mins[j], _mm256_set1_epi32(pair)));
            }
            const __m256 dx = _mm256_set1_ps(xs[t].d[i]);
            if (has_min) {
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[t]), _mm256_mul_ps(p->d, dx), acc[t]);
                const __m256 negated = _mm256_xor_ps(_mm256_mul_ps(p->dmin, dx), _mm256_set1_ps(-0.0f));
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mins), negated, acc[t]);
            } else {
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(dot[t], mins)), _mm256_mul_ps(p->d, dx), acc[t]);
            }
        }
    }
    for (int t = 0; t < NT; t++) _mm256_storeu_ps(y + t * ldy, acc[t]);
}

// ---- 32-element block panels --------------------------------------------------------------------

/// A panel's pair of 32-element blocks (2p, 2p + 1): per block 8 registers of weights (four
/// weights of each row) and the rows' d and m.
typedef struct {
    __m256i w[2][8];
    __m256 d[2], m[2];
} kq_pair_panel;

static inline __attribute__((always_inline)) void kq_pack_pair_panel(ck_kq_type type, const uint8_t *row0, size_t row_bytes, int64_t nblocks,
                               kq_pair_panel *out) {
    for (int64_t p = 0; p < (nblocks + 1) / 2; p++) {
        const int whole = 2 * p + 1 < nblocks;
        __m256i a[8], b[8];
        float d[2][8], m[2][8];
        for (int r = 0; r < 8; r++) {
            const kq_pair w = kq_unpack_pair(type, row0 + r * row_bytes, p, whole);
            a[r] = w.a;
            b[r] = w.b;
            d[0][r] = _cvtsh_ss(w.d0); d[1][r] = _cvtsh_ss(w.d1);
            m[0][r] = _cvtsh_ss(w.m0); m[1][r] = _cvtsh_ss(w.m1);
        }
        // a: elements 0-15 of both blocks (block 2p in words 0-3, 2p + 1 in 4-7); b: elements 16-31
        kq_transpose8(a);
        kq_transpose8(b);
        for (int h = 0; h < 2; h++)
            for (int j = 0; j < 4; j++) {
                out[p].w[h][j] = a[4 * h + j];
                out[p].w[h][4 + j] = b[4 * h + j];
            }
        for (int h = 0; h < 2; h++) {
            out[p].d[h] = _mm256_loadu_ps(d[h]);
            out[p].m[h] = _mm256_loadu_ps(m[h]);
        }
    }
}

static inline __attribute__((always_inline)) void kq_pair_panel_tokens(ck_kq_type type, const kq_pair_panel *panel,
                                                                       int64_t nblocks, const ck_q8_act *xs,
                                                                       const int NT, float *y, int64_t ldy) {
    const int has_min = type == CK_KQ_Q4_1 || type == CK_KQ_Q5_1;
    const int steps = type == CK_KQ_Q4_1 ? 8 : 4;  // Q5 weights reach 31: four steps per vpmaddwd
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[KQ_MAX_TOKENS];
    for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nblocks; b++) {
        const int64_t p = b / 2;
        const int h = (int)(b % 2);
        __m256i dot[KQ_MAX_TOKENS];
        for (int t = 0; t < NT; t++) dot[t] = _mm256_setzero_si256();
        for (int k = 0; k < 8; k += steps) {
            __m256i prod[KQ_MAX_TOKENS];
            for (int t = 0; t < NT; t++) prod[t] = _mm256_setzero_si256();
            for (int j = k; j < k + steps; j++) {
                const __m256i w = panel[p].w[h][j];
                // word j of the block: elements 4j..4j+3, in the pair layout at 16h + 4j (j < 4) or 32 + 16h + 4(j - 4)
                const int offset = j < 4 ? 16 * h + 4 * j : 32 + 16 * h + 4 * (j - 4);
                for (int t = 0; t < NT; t++) {
                    int32_t four;
                    memcpy(&four, xs[t].q + 64 * p + offset, 4);
                    prod[t] = _mm256_add_epi16(prod[t], _mm256_maddubs_epi16(w, _mm256_set1_epi32(four)));
                }
            }
            for (int t = 0; t < NT; t++) dot[t] = _mm256_add_epi32(dot[t], _mm256_madd_epi16(prod[t], ones));
        }
        for (int t = 0; t < NT; t++) {
            const int32_t sum = xs[t].bias4[8 * p + 4 * h] / -8;
            const __m256 dx = _mm256_set1_ps(xs[t].d[8 * p + 4 * h]);
            if (type == CK_KQ_Q5_0) dot[t] = _mm256_sub_epi32(dot[t], _mm256_set1_epi32(16 * sum));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[t]), _mm256_mul_ps(panel[p].d[h], dx), acc[t]);
            if (has_min)
                acc[t] = _mm256_fmadd_ps(_mm256_set1_ps((float)sum), _mm256_mul_ps(panel[p].m[h], dx), acc[t]);
        }
    }
    for (int t = 0; t < NT; t++) _mm256_storeu_ps(y + t * ldy, acc[t]);
}
