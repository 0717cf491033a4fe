import CKernels

/// A float vector quantized to Q8_K, ggml's activation format for the super-block types: per 256
/// elements a float scale, 256 quants in -127...127 and the sums of each run of 16 quants
/// (`ck_quantize_q8_K`, bit for bit ggml's `quantize_row_q8_K_ref`). Grows as needed, reused between calls.
final class SuperBlockActivation {
    private(set) var superBlocks = 0
    private var capacity = 0
    private(set) var q = Scratch<Int8>()
    private(set) var d = Scratch<Float>()
    private(set) var bsums = Scratch<Int16>()

    func quantize(_ x: UnsafePointer<Float>, count: Int) {
        precondition(count % GGMLBlockGeometry.superBlock == 0, "Q8_K activations hold whole 256-element super-blocks")
        let n = count / GGMLBlockGeometry.superBlock
        if n > capacity {
            q.resize(n * 256)
            d.resize(n)
            bsums.resize(n * 16)
            capacity = n
        }
        superBlocks = n
        ck_quantize_q8_K(x, Int64(count), q.pointer, d.pointer, bsums.pointer)
    }

    var cView: ck_q8k_act {
        ck_q8k_act(q: q.constPointer, d: d.constPointer, bsums: bsums.constPointer, nsuper: Int64(superBlocks))
    }
}
