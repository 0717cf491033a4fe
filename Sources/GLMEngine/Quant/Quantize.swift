import Foundation

/// Whole matrices to and from any storage type, row by row with `QuantRow`.
public enum Quant {
    /// `rows` x `cols` floats (row-major) written as `type` into a new aligned buffer.
    /// Block types need `cols` to be a multiple of 32.
    public static func quantize(_ values: UnsafePointer<Float>, rows: Int, cols: Int, to type: StorageType,
                                ctx: ComputeContext? = nil) -> AlignedBuffer {
        precondition(!type.isBlockQuantized || cols % QuantBlock.elements == 0, "\(type) rows hold whole 32-element blocks")
        let rowBytes = type.byteCount(elements: cols)
        let buffer = AlignedBuffer(byteCount: rows * rowBytes)
        let run = { (range: Range<Int>) in
            for r in range { FastQuantRow.quantize(values + r * cols, count: cols, to: type, into: buffer.pointer + r * rowBytes) }
        }
        if let ctx { ctx.parallelFor(rows, run) } else { run(0..<rows) }
        return buffer
    }

    /// Equal-length rows of floats written as `type`.
    public static func quantize(rows: [[Float]], to type: StorageType) -> AlignedBuffer {
        let cols = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == cols }, "rows must have equal lengths")
        let flat = rows.flatMap { $0 }
        return flat.withUnsafeBufferPointer { values in
            guard let base = values.baseAddress else { return AlignedBuffer(byteCount: 0) }
            return quantize(base, rows: rows.count, cols: cols, to: type)
        }
    }

    /// `rows` x `cols` elements of `type` read back as floats (row-major).
    public static func dequantize(_ data: UnsafeRawPointer, type: StorageType, rows: Int, cols: Int) -> [Float] {
        let rowBytes = type.byteCount(elements: cols)
        return [Float](unsafeUninitializedCapacity: rows * cols) { out, initialized in
            for r in 0..<rows {
                if let base = out.baseAddress {
                    QuantRow.dequantize(type, data + r * rowBytes, count: cols, into: base + r * cols)
                }
            }
            initialized = rows * cols
        }
    }
}
