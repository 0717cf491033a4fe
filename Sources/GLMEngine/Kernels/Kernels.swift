import Foundation

/// The threads the kernels may use. Matrix kernels split their rows across `parallelFor`.
public final class ComputeContext: @unchecked Sendable {
    public let threads: Int

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    /// Runs `body` over `0..<count` split into contiguous chunks, one per thread, and waits for all.
    public func parallelFor(_ count: Int, _ body: (Range<Int>) -> Void) {
        body(0..<count)
    }
}

/// The matrix kernels the forward pass calls. Each dispatches on the weight's storage type.
public enum Kernels {
    /// y[rows] = W x, with x of `w.cols` floats.
    public static func matVec(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              _ ctx: ComputeContext) {
        ctx.parallelFor(w.rows) { rows in
            ReferenceKernels.matVec(w, x, y, rows: rows)
        }
    }

    /// Y[n, rows] = X[n, cols] W^T: the batched form used when a prompt is read.
    public static func matMul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>,
                              _ ctx: ComputeContext) {
        for i in 0..<n {
            matVec(w, x + i * w.cols, y + i * w.rows, ctx)
        }
    }

    /// Writes row `row` of `w` as floats.
    public static func dequantizeRow(_ w: WeightMatrix, _ row: Int, into out: UnsafeMutablePointer<Float>) {
        ReferenceKernels.dequantize(w.type, w.rowPointer(row), count: w.cols, into: out)
    }
}

/// Plain scalar versions of every kernel: the definition of the right answer that fast kernels are tested against.
public enum ReferenceKernels {
    public static func dequantize(_ type: StorageType, _ src: UnsafeRawPointer, count: Int,
                                  into out: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32:
            out.update(from: src.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            let h = src.assumingMemoryBound(to: Float16.self)
            for i in 0..<count { out[i] = Float(h[i]) }
        case .bf16:
            let b = src.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { out[i] = Float(bitPattern: UInt32(b[i]) << 16) }
        case .q8_0, .q4_0:
            fatalError("dequantize: \(type) is handled by the quantization kernels")
        }
    }

    public static func matVec(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              rows: Range<Int>) {
        let row = UnsafeMutablePointer<Float>.allocate(capacity: w.cols)
        defer { row.deallocate() }
        for r in rows {
            dequantize(w.type, w.rowPointer(r), count: w.cols, into: row)
            var sum: Float = 0
            for c in 0..<w.cols { sum += row[c] * x[c] }
            y[r] = sum
        }
    }
}
