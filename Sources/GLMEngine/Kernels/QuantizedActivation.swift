import CKernels
import Foundation

/// A float vector quantized to Q8_0 (ggml's `quantize_row_q8_0_ref`, scales rounded to fp16 as a
/// block_q8_0 stores them) in the layout the integer kernels want: all quants contiguous, then
/// per-block scales and per-block quant sums. Grows as needed and is reused between calls.
final class QuantizedActivation {
    private(set) var blocks = 0
    private var capacity = 0
    private(set) var q = UnsafeMutablePointer<Int8>.allocate(capacity: 0)
    private(set) var d = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    private(set) var sum = UnsafeMutablePointer<Int32>.allocate(capacity: 0)

    deinit {
        q.deallocate()
        d.deallocate()
        sum.deallocate()
    }

    func quantize(_ x: UnsafePointer<Float>, count: Int) {
        precondition(count % QuantBlock.elements == 0, "Q8_0 activations hold whole blocks")
        reserve(blocks: count / QuantBlock.elements)
        blocks = count / QuantBlock.elements
        for b in 0..<blocks {
            let src = x + b * 32
            let (scale, inverse) = QuantRow.q8Scale(src)
            d[b] = HalfFloat.float(f16Bits: HalfFloat.f16Bits(scale))
            var total: Int32 = 0
            for j in 0..<32 {
                let v = QuantRow.roundedToInt8(src[j] * inverse)
                q[b * 32 + j] = v
                total += Int32(v)
            }
            sum[b] = total
        }
    }

    var cView: ck_q8_act {
        ck_q8_act(q: UnsafePointer(q), d: UnsafePointer(d), sum: UnsafePointer(sum), nblocks: Int64(blocks))
    }

    private func reserve(blocks wanted: Int) {
        guard wanted > capacity else { return }
        q.deallocate()
        d.deallocate()
        sum.deallocate()
        // 64-byte alignment keeps the 512-bit loads within one cache line
        q = UnsafeMutableRawPointer.allocate(byteCount: wanted * 32, alignment: 64).bindMemory(to: Int8.self, capacity: wanted * 32)
        d = UnsafeMutablePointer<Float>.allocate(capacity: wanted)
        sum = UnsafeMutablePointer<Int32>.allocate(capacity: wanted)
        capacity = wanted
    }
}
