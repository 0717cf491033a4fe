import CKernels
import Foundation

/// Owns a heap buffer aligned for SIMD loads; weights converted at load time live in one.
/// Big buffers are 2 MB aligned and asked to use transparent huge pages: streaming a weight
/// matrix through 4 KB pages costs a TLB miss per page, which is dear under virtualization.
public final class AlignedBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int

    private static let hugePage = 2 << 20

    public init(byteCount: Int, alignment: Int = 64) {
        self.byteCount = byteCount
        let huge = byteCount >= 2 * AlignedBuffer.hugePage
        let size = huge ? (byteCount + AlignedBuffer.hugePage - 1) / AlignedBuffer.hugePage * AlignedBuffer.hugePage
                        : max(byteCount, 1)
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, huge ? max(alignment, AlignedBuffer.hugePage) : max(alignment, 16), size)
        guard status == 0, let raw else { fatalError("out of memory allocating \(byteCount) bytes") }
        #if os(Linux)
        if huge { _ = madvise(raw, size, MADV_HUGEPAGE) }
        #endif
        pointer = raw
    }

    deinit { free(pointer) }

    public func floats(count: Int) -> UnsafeMutablePointer<Float> {
        pointer.bindMemory(to: Float.self, capacity: count)
    }
}

/// How a weight matrix's rows are laid out.
public enum RowLayout: Sendable, Equatable {
    /// One row after another, each a run of blocks (ggml's layout; what files hold).
    case rowMajor
    /// Q4_0 in groups of eight rows, block by block (`ckernels_rows8.h`): what the AVX2 kernels read
    /// fastest, made at load time.
    case groupsOfEight
    /// Q4_0 rows in quads of 16 blocks, each its 16 scales then its nibbles in the quad-lane order
    /// (`ckernels_quad_lanes.h`): what the 512-bit kernels read without gathering, made at load time.
    case quadLanes
}

/// A weight matrix [rows, cols] in PyTorch Linear order (y = W x), stored in one format.
/// Quantized rows are runs of 32-element blocks. The bytes live either in a file mapping (used in place)
/// or in an `AlignedBuffer` made at load time; `owner` keeps whichever it is alive.
public struct WeightMatrix: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    public let type: StorageType
    public let layout: RowLayout
    public let data: UnsafeRawPointer
    public let owner: AnyObject

    public init(rows: Int, cols: Int, type: StorageType, layout: RowLayout = .rowMajor, data: UnsafeRawPointer,
                owner: AnyObject) {
        precondition(cols % type.blockElements == 0, "block-quantized rows must hold whole blocks")
        precondition(layout == .rowMajor || type == .q4_0, "only Q4_0 comes in groups of eight rows or quad lanes")
        self.rows = rows
        self.cols = cols
        self.type = type
        self.layout = layout
        self.data = data
        self.owner = owner
    }

    /// Bytes from one row to the next (in groups of eight: a row's share of its group).
    public var rowBytes: Int {
        layout == .quadLanes ? Int(ck_quad_lanes_row_bytes(Int64(cols / type.blockElements))) : ggmlRowBytes
    }
    /// Bytes of one row in ggml's layout.
    public var ggmlRowBytes: Int { type.byteCount(elements: cols) }
    public var byteCount: Int {
        layout == .groupsOfEight ? ck_rows8_bytes(Int64(rows), Int64(cols / type.blockElements)) : rowBytes * rows
    }

    /// Rows that go together: a range of rows handed to a kernel starts at a multiple of this.
    public var rowAlignment: Int { layout == .rowMajor ? 1 : 8 }

    /// Row `row` of a row-major matrix.
    public func rowPointer(_ row: Int) -> UnsafeRawPointer {
        precondition(layout == .rowMajor, "rows of a matrix in groups of eight are not contiguous")
        return data + row * rowBytes
    }

    /// Row `row` of a matrix in quad lanes.
    func quadLaneRowPointer(_ row: Int) -> UnsafeRawPointer {
        precondition(layout == .quadLanes, "not a matrix in quad lanes")
        return data + row * rowBytes
    }

    /// The group holding row `row` (a multiple of eight) of a matrix in groups of eight.
    func groupPointer(_ row: Int) -> UnsafeRawPointer {
        precondition(layout == .groupsOfEight && row % 8 == 0, "not the first row of a group of eight")
        return data + row * rowBytes
    }

    /// Row `row` in ggml's layout, wherever it lives: a pointer into the matrix, or `scratch`
    /// (`ggmlRowBytes` bytes) holding a copy.
    func ggmlRow(_ row: Int, scratch: UnsafeMutableRawPointer) -> UnsafeRawPointer {
        let blocks = Int64(cols / type.blockElements)
        switch layout {
        case .rowMajor: return rowPointer(row)
        case .groupsOfEight: ck_rows8_unpack_row(data, blocks, Int64(row), scratch)
        case .quadLanes: ck_quad_lanes_unpack_row(data, blocks, Int64(row), scratch)
        }
        return UnsafeRawPointer(scratch)
    }

    /// This Q4_0 matrix in groups of eight rows (`RowLayout.groupsOfEight`), packed with `ctx`'s
    /// threads into a piece of `arena` (by default a buffer of its own); the same values.
    func inGroupsOfEight(_ ctx: ComputeContext, arena: AlignedArena = AlignedArena(slabBytes: 0)) -> WeightMatrix {
        let blocks = Int64(cols / type.blockElements), source = data, total = Int64(rows)
        return repacked(as: .groupsOfEight, bytes: Int(ck_rows8_bytes(total, blocks)), units: (rows + 7) / 8, ctx,
                        arena: arena) { groups, destination in
            ck_rows8_pack_q4_0(source, total, blocks, Int64(groups.lowerBound), Int64(groups.upperBound), destination)
        }
    }

    /// This Q4_0 matrix in quad lanes (`RowLayout.quadLanes`), packed with `ctx`'s threads into a piece
    /// of `arena` (by default a buffer of its own); the same values (and bytes on every path).
    func inQuadLanes(_ ctx: ComputeContext, arena: AlignedArena = AlignedArena(slabBytes: 0)) -> WeightMatrix {
        let blocks = Int64(cols / type.blockElements), source = data, vectorized = ctx.path == .avx512vbmi
        return repacked(as: .quadLanes, bytes: rows * Int(ck_quad_lanes_row_bytes(blocks)), units: rows, ctx,
                        arena: arena) { slice, destination in
            let first = Int64(slice.lowerBound), end = Int64(slice.upperBound)
            #if arch(x86_64)
            if vectorized { return ck_quad_lanes_pack_q4_0_avx512(source, blocks, first, end, destination) }
            #endif
            ck_quad_lanes_pack_q4_0(source, blocks, first, end, destination)
        }
    }

    /// This row-major Q4_0 matrix repacked in `packed` (`bytes` in all) into a piece of `arena`: `pack`
    /// writes the destination's share of `units` units (groups of eight, or rows) on `ctx`'s threads.
    private func repacked(as packed: RowLayout, bytes: Int, units: Int, _ ctx: ComputeContext, arena: AlignedArena,
                          _ pack: (Range<Int>, UnsafeMutableRawPointer) -> Void) -> WeightMatrix {
        precondition(type == .q4_0 && layout == .rowMajor, "only row-major Q4_0 packs in \(packed)")
        let (destination, buffer) = arena.allocate(bytes)
        ctx.parallelFor(units) { pack($0, destination) }
        return WeightMatrix(rows: rows, cols: cols, type: type, layout: packed, data: UnsafeRawPointer(destination),
                            owner: buffer)
    }
}
