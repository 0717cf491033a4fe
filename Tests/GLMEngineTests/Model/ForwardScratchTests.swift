import Foundation
import Testing
@testable import GLMEngine

/// The kernels read the forward pass's buffers 512 bits at a time; a buffer off a 64-byte boundary
/// splits each such access across two cache lines (the attention pass ran 1.2x slower on a work area
/// 16 bytes off), so every buffer and every unit's attention work area starts on one.
@Suite("Model: forward scratch alignment")
struct ForwardScratchTests {
    static func isLineAligned(_ pointer: UnsafeMutablePointer<Float>) -> Bool {
        Int(bitPattern: pointer) % 64 == 0
    }

    @Test("every buffer starts on a 64-byte boundary, also after growing")
    func buffersAreLineAligned() {
        let config = KQuantModelFiles.config
        let scratch = ForwardScratch(config: config, maxTokens: 3)
        for buffer in [scratch.x, scratch.normed, scratch.qkv, scratch.attention, scratch.projected, scratch.gateUp,
                       scratch.activated, scratch.ropeCos, scratch.ropeSin, scratch.logits] {
            #expect(Self.isLineAligned(buffer))
        }
        for positions in [1, 300, 5000] {
            scratch.reserveScores(positions)
            #expect(Self.isLineAligned(scratch.scores))
        }
        // an odd number of floats per unit (as for heads whose work area is not a whole number of lines)
        for (units, floats) in [(2, 6432), (6, 6432), (7, 1001), (3, 20_000)] {
            scratch.reserveGroupWork(units: units, floatsPerUnit: floats)
            #expect(scratch.groupWorkStride >= floats && scratch.groupWorkStride % 16 == 0)
            for unit in 0..<units {
                #expect(Self.isLineAligned(scratch.groupWork + unit * scratch.groupWorkStride), "unit \(unit) of \(units)")
            }
        }
    }
}
