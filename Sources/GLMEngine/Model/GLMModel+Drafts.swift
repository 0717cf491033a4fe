import Foundation

extension GLMModel {
    /// Drafts a verification pass may carry after one token fed to a cache holding `cached` positions,
    /// such that every row of the pass equals what feeding the tokens one at a time gives: none for
    /// F32 / F16 / BF16 weights, whose batches round differently from a lone row (OpenBLAS from 8 rows,
    /// and the batched SwiGLU and norm in another order: measured, a logit's last bits differ now and
    /// then), so only block-quantized weights, whose every batch row is computed exactly as a lone row,
    /// speculate. A lone row over a long cache has its attention cut into ranges merged after
    /// (`StreamingAttention.parts`), a batch row not: no pass reaches where a lone row would be cut.
    public func exactDraftRoom(wanted: Int, cached: Int) -> Int {
        guard weights.matrixType.isBlockQuantized else { return 0 }
        var room = max(0, min(wanted, maxBatch - 1))
        while room > 0, StreamingAttention.parts(positions: cached + 1 + room, threads: compute.threads, groupUnits: 1) > 1 {
            room -= 1
        }
        return room
    }
}
