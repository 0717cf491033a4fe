import Foundation

extension GLMModel {
    /// Drafts a verification pass may carry after one token, such that every row of the pass equals
    /// what feeding the tokens one at a time gives: none for F32 / F16 / BF16 weights, whose batches
    /// round differently from a lone row (OpenBLAS from 8 rows, and the batched SwiGLU and norm in
    /// another order: measured, a logit's last bits differ now and then), so only block-quantized
    /// weights, whose every batch row is computed exactly as a lone row, speculate. Attention cuts a
    /// row over a long cache into ranges by its own positions, in a batch as alone (`attendStreaming`),
    /// so the depth does not limit it.
    public func exactDraftRoom(wanted: Int) -> Int {
        guard weights.matrixType.isBlockQuantized else { return 0 }
        return max(0, min(wanted, maxBatch - 1))
    }
}
