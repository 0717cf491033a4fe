// The group-of-four activation layout of ck_q8_act (plain C: it is layout only, no arithmetic).
#include "ckernels.h"
#include <string.h>

void ck_pack_act_groups(const int8_t *q, const float *d, const int32_t *sum, int64_t nblocks, int8_t *gq, float *gd,
                        int32_t *gbias4) {
    const int64_t groups = ck_act_groups_padded(nblocks);
    memset(gq, 0, (size_t)groups * 128);
    memset(gd, 0, (size_t)groups * 4 * sizeof(float));
    memset(gbias4, 0, (size_t)groups * 4 * sizeof(int32_t));
    for (int64_t b = 0; b < nblocks; b++) {
        const int64_t g = b / 4, k = b % 4;
        int8_t *lo = gq + g * 128, *hi = lo + 64;
        // elements 4c ..< 4c+4 of the block fill lane 4c + k (bytes 16c + 4k ..< +4)
        for (int c = 0; c < 4; c++) {
            memcpy(lo + 16 * c + 4 * k, q + 32 * b + 4 * c, 4);
            memcpy(hi + 16 * c + 4 * k, q + 32 * b + 16 + 4 * c, 4);
        }
        gd[g * 4 + k] = d[b];
        gbias4[g * 4 + k] = -8 * sum[b];
    }
}

void ck_clear_act_group_padding(int64_t nblocks, int8_t *gq, float *gd, int32_t *gbias4) {
    const int64_t groups = ck_act_groups_padded(nblocks);
    for (int64_t b = nblocks; b < groups * 4; b++) {
        const int64_t g = b / 4, k = b % 4;
        for (int c = 0; c < 4; c++) {
            memset(gq + g * 128 + 16 * c + 4 * k, 0, 4);
            memset(gq + g * 128 + 64 + 16 * c + 4 * k, 0, 4);
        }
        gd[g * 4 + k] = 0;
        gbias4[g * 4 + k] = 0;
    }
}
