import Foundation

/// Owns a heap buffer aligned for SIMD loads; weights converted at load time live in one.
public final class AlignedBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int

    public init(byteCount: Int, alignment: Int = 64) {
        self.byteCount = byteCount
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: alignment)
    }

    deinit { pointer.deallocate() }

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
        precondition(!type.isBlockQuantized || cols % 32 == 0, "block-quantized rows must hold whole blocks")
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
