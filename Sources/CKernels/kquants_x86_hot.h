// Lean row kernels for the super-block types llama.cpp's Q4_K_M files are made of (Q4_K, Q5_K,
// Q6_K): the scales unpacked with a few 32-bit operations and one shuffle per 32 weights, each
// super-block reduced to its two integers (dot, mins) in vector registers, then the contract's two
// fused multiply-adds. Same results as kq_row_super; included by kquants_x86_body.h.

/// The Q4_K / Q5_K super-block's 8 scales (lanes 0-7) and 8 mins (lanes 8-15) as int16, from
/// the 12 packed bytes: sub-block s < 4 in the low six bits of bytes s and s + 4; s >= 4 in a nibble
/// of byte s + 4 with the top two bits of bytes s - 4 and s.
static inline __m256i kq_k4_scales_mins(const uint8_t *packed) {
    uint32_t u[3];
    memcpy(u, packed, 12);
    const uint32_t scales_lo = u[0] & 0x3F3F3F3Fu;
    const uint32_t scales_hi = (u[2] & 0x0F0F0F0Fu) | (((u[0] >> 6) & 0x03030303u) << 4);
    const uint32_t mins_lo = u[1] & 0x3F3F3F3Fu;
    const uint32_t mins_hi = ((u[2] >> 4) & 0x0F0F0F0Fu) | (((u[1] >> 6) & 0x03030303u) << 4);
    return _mm256_cvtepu8_epi16(_mm_setr_epi32((int)scales_lo, (int)scales_hi, (int)mins_lo, (int)mins_hi));
}

/// pshufb masks that broadcast int16 lane c (of a 128-bit half) to every int16 lane.
static const uint8_t kq_lane16_masks[8][32] __attribute__((aligned(32))) = {
#define KQ_M(c) {2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, \
                 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, \
                 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1, 2 * c, 2 * c + 1}
    KQ_M(0), KQ_M(1), KQ_M(2), KQ_M(3), KQ_M(4), KQ_M(5), KQ_M(6), KQ_M(7),
#undef KQ_M
};

/// pshufb masks for Q6_K: in the low half int16 lane 2k, in the high half lane 2k + 1 (k < 4).
static const uint8_t kq_pair16_masks[4][32] __attribute__((aligned(32))) = {
#define KQ_P(a, b) {2 * a, 2 * a + 1, 2 * a, 2 * a + 1, 2 * a, 2 * a + 1, 2 * a, 2 * a + 1, 2 * a, 2 * a + 1, 2 * a, 2 * a + 1, \
                    2 * a, 2 * a + 1, 2 * a, 2 * a + 1, 2 * b, 2 * b + 1, 2 * b, 2 * b + 1, 2 * b, 2 * b + 1, 2 * b, 2 * b + 1, \
                    2 * b, 2 * b + 1, 2 * b, 2 * b + 1, 2 * b, 2 * b + 1, 2 * b, 2 * b + 1}
    KQ_P(0, 1), KQ_P(2, 3), KQ_P(4, 5), KQ_P(6, 7),
#undef KQ_P
};

/// The sum of the eight int32 lanes of `dot` and of the four of `mins`, in lanes 0 and 1.
static inline __m128i kq_totals(__m256i dot, __m128i mins) {
    const __m128i d4 = _mm_add_epi32(_mm256_castsi256_si128(dot), _mm256_extracti128_si256(dot, 1));
    const __m128i h = _mm_hadd_epi32(d4, mins);
    return _mm_hadd_epi32(h, h);
}

/// acc = fma(dot, dx * d, acc), then (with mins) acc = fma(mins, -(dx * dmin), acc): the contract's
/// two steps on lanes 0 and 1 of `totals`, with `dmins` the fp16 pair (d, dmin) as it is stored.
static inline __m128 kq_fold(__m128 acc, __m128i totals, uint32_t dmins, float dx, int with_mins) {
    const __m128 t = _mm_cvtepi32_ps(totals);
    const __m128 scales = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128((int)dmins)), _mm_set1_ps(dx));
    acc = _mm_fmadd_ss(t, scales, acc);
    if (with_mins) {
        const __m128 negated = _mm_xor_ps(scales, _mm_set1_ps(-0.0f));
        acc = _mm_fmadd_ss(_mm_movehdup_ps(t), _mm_movehdup_ps(negated), acc);
    }
    return acc;
}

/// Q4_K (five == 0) or Q5_K rows for NT tokens.
static inline __attribute__((always_inline)) void kq_row_k45(const int five, const uint8_t *row,
                                                             const ck_q8k_act *xs, const int NT, float *y,
                                                             int64_t ldy) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    const size_t block_bytes = five ? sizeof(ck_block_q5_K) : sizeof(ck_block_q4_K);
    __m128 acc[KQ_MAX_TOKENS];
    for (int t = 0; t < NT; t++) acc[t] = _mm_setzero_ps();
    for (int64_t i = 0; i < xs->nsuper; i++) {
        const uint8_t *b = row + i * block_bytes;
        const uint8_t *qs = b + (five ? offsetof(ck_block_q5_K, qs) : offsetof(ck_block_q4_K, qs));
        const __m256i sm = kq_k4_scales_mins(b + 4);
        const __m256i scales = _mm256_permute2x128_si256(sm, sm, 0x00);
        const __m128i mins = _mm256_extracti128_si256(sm, 1);
        const __m256i qh = five ? kq_load(b + offsetof(ck_block_q5_K, qh)) : _mm256_setzero_si256();
        __m256i dot[KQ_MAX_TOKENS];
        for (int t = 0; t < NT; t++) dot[t] = _mm256_setzero_si256();
        for (int p = 0; p < 4; p++) {
            const __m256i q = kq_load(qs + 32 * p);
            __m256i lo = _mm256_and_si256(q, low4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
            if (five) {
                lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * p), one), 4));
                hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * p + 1), one), 4));
            }
            const __m256i sc_lo = _mm256_shuffle_epi8(scales, kq_load(kq_lane16_masks[2 * p]));
            const __m256i sc_hi = _mm256_shuffle_epi8(scales, kq_load(kq_lane16_masks[2 * p + 1]));
            for (int t = 0; t < NT; t++) {
                const int8_t *q8 = xs[t].q + 256 * i + 64 * p;
                dot[t] = kq_dot_scaled(dot[t], lo, kq_load(q8), sc_lo);
                dot[t] = kq_dot_scaled(dot[t], hi, kq_load(q8 + 32), sc_hi);
            }
        }
        uint32_t dmins;
        memcpy(&dmins, b, 4);
        for (int t = 0; t < NT; t++) {
            const __m128i bsums = _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(xs[t].bsums + 16 * i)),
                                                 _mm_loadu_si128((const __m128i *)(xs[t].bsums + 16 * i + 8)));
            const __m128i m = _mm_madd_epi16(mins, bsums);
            acc[t] = kq_fold(acc[t], kq_totals(dot[t], m), dmins, xs[t].d[i], 1);
        }
    }
    for (int t = 0; t < NT; t++) y[t * ldy] = _mm_cvtss_f32(acc[t]);
}

/// Q6_K rows for NT tokens.
static inline __attribute__((always_inline)) void kq_row_q6k(const uint8_t *row, const ck_q8k_act *xs, const int NT,
                                                             float *y, int64_t ldy) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(3);
    __m128 acc[KQ_MAX_TOKENS];
    for (int t = 0; t < NT; t++) acc[t] = _mm_setzero_ps();
    for (int64_t i = 0; i < xs->nsuper; i++) {
        const ck_block_q6_K *b = (const ck_block_q6_K *)row + i;
        const __m128i s8 = _mm_loadu_si128((const __m128i *)b->scales);
        const __m256i s16 = _mm256_cvtepi8_epi16(s8);
        __m256i dot[KQ_MAX_TOKENS];
        for (int t = 0; t < NT; t++) dot[t] = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const __m128i half = h ? _mm256_extracti128_si256(s16, 1) : _mm256_castsi256_si128(s16);
            const __m256i scales = _mm256_setr_m128i(half, half);
            const __m256i l0 = kq_load(b->ql + 64 * h), l1 = kq_load(b->ql + 64 * h + 32);
            const __m256i qh = kq_load(b->qh + 32 * h);
            for (int k = 0; k < 4; k++) {
                const __m256i l = k % 2 ? l1 : l0;
                const __m256i low = k < 2 ? _mm256_and_si256(l, low4) : _mm256_and_si256(_mm256_srli_epi16(l, 4), low4);
                const __m256i high = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), low2), 4);
                const __m256i w = _mm256_or_si256(low, high);
                const __m256i sc = _mm256_shuffle_epi8(scales, kq_load(kq_pair16_masks[k]));
                for (int t = 0; t < NT; t++)
                    dot[t] = kq_dot_scaled(dot[t], w, kq_load(xs[t].q + 256 * i + 128 * h + 32 * k), sc);
            }
        }
        uint32_t d;
        memcpy(&d, &b->d, 2);
        d &= 0xFFFF;
        for (int t = 0; t < NT; t++) {
            const __m256i offset = _mm256_madd_epi16(kq_load(xs[t].bsums + 16 * i), s16);
            const __m256i lanes = _mm256_sub_epi32(dot[t], _mm256_slli_epi32(offset, 5));
            acc[t] = kq_fold(acc[t], kq_totals(lanes, _mm_setzero_si128()), d, xs[t].d[i], 0);
        }
    }
    for (int t = 0; t < NT; t++) y[t * ldy] = _mm_cvtss_f32(acc[t]);
}
