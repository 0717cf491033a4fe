// The group layout of ck_q8_act that the 512-bit kernels read (plain C: layout only, no arithmetic).
#include "ckernels.h"
#include "blocks.h"

void ck_pack_act_groups(const int8_t *q, const float *d, const int32_t *sum, int64_t nblocks, int8_t *gq, float *gd,
                        int32_t *gbias4) {
    for (int64_t b = 0; b < nblocks; b++) ck_put_act_group_block(b, q + 32 * b, d[b], sum[b], gq, gd, gbias4);
    ck_clear_act_group_padding(nblocks, gq, gd, gbias4);
}

void ck_clear_act_group_padding(int64_t nblocks, int8_t *gq, float *gd, int32_t *gbias4) {
    static const int8_t zeros[32];
    for (int64_t b = nblocks; b < ck_act_groups_padded(nblocks) * 4; b++)
        ck_put_act_group_block(b, zeros, 0, 0, gq, gd, gbias4);
}
