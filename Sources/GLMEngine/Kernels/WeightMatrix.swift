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

/// A weight matrix [rows, cols] in PyTorch Linear order (y = W x), stored row-major in one format.
/// Quantized rows are runs of 32-element blocks. The bytes live either in a file mapping (used in place)
/// or in an `AlignedBuffer` made at load time; `owner` keeps whichever it is alive.
public struct WeightMatrix: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    public let type: StorageType
    public let data: UnsafeRawPointer
    public let owner: AnyObject

    public init(rows: Int, cols: Int, type: StorageType, data: UnsafeRawPointer, owner: AnyObject) {
        precondition(cols % type.blockElements == 0, "block-quantized rows must hold whole blocks")
        self.rows = rows
        self.cols = cols
        self.type = type
        self.data = data
        self.owner = owner
    }

    public var rowBytes: Int { type.byteCount(elements: cols) }
    public var byteCount: Int { rowBytes * rows }

    public func rowPointer(_ row: Int) -> UnsafeRawPointer { data + row * rowBytes }
}
