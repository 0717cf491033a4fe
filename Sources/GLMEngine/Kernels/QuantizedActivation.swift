import CKernels
import Foundation

/// A float vector quantized to Q8_0 (ggml's `quantize_row_q8_0_ref`, scales rounded to fp16 as a
/// block_q8_0 stores them), kept in two layouts: per block (`q`, `d`, `sum`; the Swift SIMD path)
/// in pairs of blocks for the 256-bit C kernels and in groups of four for the 512-bit ones (see
/// `ck_q8_act`). Grows as needed and is reused between calls.
final class QuantizedActivation {
    private(set) var blocks = 0
    private var capacity = 0
    private(set) var q = Scratch<Int8>()
    private(set) var d = Scratch<Float>()
    private(set) var sum = Scratch<Int32>()
    private var pairQ = Scratch<Int8>()
    private var pairD = Scratch<Float>()
    private var pairBias4 = Scratch<Int32>()
    private var pairBias8 = Scratch<Int32>()
    private var groupQ = Scratch<Int8>()
    private var groupD = Scratch<Float>()
    private var groupBias4 = Scratch<Int32>()
    /// Set by `prepareGroups`: only the group layout is filled, which only the 512-bit Q4_0 kernels read.
    private(set) var groupsOnly = false
    /// The group layout in the quad-lane order (`ck_pack_quad_lanes_act`), once `packLanes` made it
    /// for these values; cleared whenever they change.
    private var lanes = Scratch<UInt8>()
    private(set) var lanesPacked = false
    /// The Q8_K form, for the super-block weight types (see `quantize(_:count:for:vectorized:)`).
    let superBlocks = SuperBlockActivation()

    /// `vectorized` uses the AVX2 quantizer (same bytes as the scalar one).
    func quantize(_ x: UnsafePointer<Float>, count: Int, vectorized: Bool = KernelPath.best.hasF16C) {
        precondition(count % QuantBlock.elements == 0, "Q8_0 activations hold whole blocks")
        let blocks = count / QuantBlock.elements
        reserve(blocks: blocks)
        self.blocks = blocks
        groupsOnly = false
        lanesPacked = false
        #if arch(x86_64)
        if vectorized {
            ck_quantize_act_avx2(x, Int64(blocks), q.pointer, d.pointer, sum.pointer,
                                 pairQ.pointer, pairD.pointer, pairBias4.pointer, pairBias8.pointer)
            packGroups()
            return
        }
        #endif
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
        pack()
        packGroups()
    }

    /// Makes room for `count` floats in the group layout alone and zeros its padding; `fillGroups`
    /// then quantizes blocks into it (threads may fill disjoint blocks at once). Needs AVX2.
    func prepareGroups(count: Int) {
        precondition(count % QuantBlock.elements == 0, "Q8_0 activations hold whole blocks")
        let blocks = count / QuantBlock.elements
        reserve(blocks: blocks)
        self.blocks = blocks
        groupsOnly = true
        lanesPacked = false
        ck_clear_act_group_padding(Int64(blocks), groupQ.pointer, groupD.pointer, groupBias4.pointer)
    }

    /// Quantizes blocks `range` of x into the group layout (bytes equal to `quantize`'s), as
    /// x * scale * weight when `norm` is given (an RMS norm computed on the way, not stored).
    func fillGroups(_ x: UnsafePointer<Float>, blocks range: Range<Int>,
                    norm: (weight: UnsafePointer<Float>, scale: Float)? = nil) {
        precondition(groupsOnly && range.upperBound <= blocks, "fillGroups needs prepareGroups for these blocks")
        #if arch(x86_64)
        ck_quantize_act_groups_avx2(x, norm?.weight, norm?.scale ?? 1, Int64(range.lowerBound), Int64(range.upperBound),
                                    groupQ.pointer, groupD.pointer, groupBias4.pointer)
        #else
        preconditionFailure("only the x86-64 kernels read the group layout alone")
        #endif
    }

    #if arch(x86_64)
    /// Puts the group layout in the quad-lane order for the single-token kernel of matrices in quad
    /// lanes, once for all the threads of a product (needs the 512-bit path; values filled already).
    func packLanes() {
        guard !lanesPacked else { return }
        var view = cView
        ck_pack_quad_lanes_act(&view, lanes.pointer)
        lanesPacked = true
    }

    /// The quad-lane order of `packLanes`, or nil before it.
    var packedLanes: UnsafeRawPointer? { lanesPacked ? UnsafeRawPointer(lanes.pointer) : nil }
    #endif

    private func packGroups() {
        ck_pack_act_groups(q.constPointer, d.constPointer, sum.constPointer, Int64(blocks), groupQ.pointer,
                           groupD.pointer, groupBias4.pointer)
    }

    /// Pair p: quants x0[0:16] x1[0:16] x0[16:32] x1[16:32]; scales d0 x4, d1 x4; bias lanes 0 and 4.
    private func pack() {
        let pairs = (blocks + 1) / 2
        for p in 0..<pairs {
            for half in 0..<2 {
                let b = 2 * p + half
                let present = b < blocks
                for j in 0..<16 {
                    pairQ[p * 64 + half * 16 + j] = present ? q[b * 32 + j] : 0
                    pairQ[p * 64 + 32 + half * 16 + j] = present ? q[b * 32 + 16 + j] : 0
                }
                for lane in 0..<4 {
                    pairD[p * 8 + half * 4 + lane] = present ? d[b] : 0
                    pairBias4[p * 8 + half * 4 + lane] = lane == 0 && present ? -8 * sum[b] : 0
                    pairBias8[p * 8 + half * 4 + lane] = lane == 0 && present ? -128 * sum[b] : 0
                }
            }
        }
    }

    var cView: ck_q8_act {
        ck_q8_act(q: pairQ.constPointer, d: pairD.constPointer, bias4: pairBias4.constPointer,
                  bias8: pairBias8.constPointer, gq: groupQ.constPointer, gd: groupD.constPointer,
                  gbias4: groupBias4.constPointer, nblocks: Int64(blocks))
    }

    private func reserve(blocks wanted: Int) {
        guard wanted > capacity else { return }
        let pairs = (wanted + 1) / 2
        q.resize(wanted * 32)
        d.resize(wanted)
        sum.resize(wanted)
        pairQ.resize(pairs * 64)
        pairD.resize(pairs * 8)
        pairBias4.resize(pairs * 8)
        pairBias8.resize(pairs * 8)
        let groups = Int(ck_act_groups_padded(Int64(wanted)))
        groupQ.resize(groups * 128)
        groupD.resize(groups * 4)
        groupBias4.resize(groups * 4)
        lanes.resize(groups / 4 * CK_QUAD_LANES_ACT_BYTES)
        capacity = wanted
    }
}

/// A 64-byte-aligned heap array that is reallocated (not preserved) when it grows.
struct Scratch<Element> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private var owner: AlignedBuffer

    init() {
        owner = AlignedBuffer(byteCount: 0)
        pointer = owner.pointer.bindMemory(to: Element.self, capacity: 0)
    }

    mutating func resize(_ count: Int) {
        owner = AlignedBuffer(byteCount: count * MemoryLayout<Element>.stride)
        pointer = owner.pointer.bindMemory(to: Element.self, capacity: count)
    }

    var constPointer: UnsafePointer<Element> { UnsafePointer(pointer) }

    subscript(i: Int) -> Element {
        get { pointer[i] }
        nonmutating set { pointer[i] = newValue }
    }
}
