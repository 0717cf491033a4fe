import Foundation

/// Plain scalar versions of every kernel: the definition of the right answer that fast kernels are tested against.
/// Quantized weights follow ggml: the activation is quantized to Q8_0 and each block contributes
/// (integer dot of the quants) * (weight scale * activation scale).
public enum ReferenceKernels {
    public static func dequantize(_ type: StorageType, _ src: UnsafeRawPointer, count: Int,
                                  into out: UnsafeMutablePointer<Float>) {
        QuantRow.dequantize(type, src, count: count, into: out)
    }

    public static func matVec(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              rows: Range<Int>) {
        if w.type.kquantKernelType != nil {
            KQuantReference.matVec(w, x, y, rows: rows)
            return
        }
        if w.type.isBlockQuantized {
            quantizedMatVec(w, x, y, rows: rows)
            return
        }
        let row = UnsafeMutablePointer<Float>.allocate(capacity: w.cols)
        defer { row.deallocate() }
        for r in rows {
            dequantize(w.type, w.rowPointer(r), count: w.cols, into: row)
            var sum: Float = 0
            for c in 0..<w.cols { sum += row[c] * x[c] }
            y[r] = sum
        }
    }

    private static func quantizedMatVec(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                        rows: Range<Int>) {
        let blocks = w.cols / QuantBlock.elements
        let xq = UnsafeMutableRawPointer.allocate(byteCount: blocks * QuantBlock.q8_0Bytes, alignment: 16)
        defer { xq.deallocate() }
        QuantRow.quantizeQ8_0(x, count: w.cols, into: xq)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: w.ggmlRowBytes, alignment: 16)
        defer { scratch.deallocate() }
        for r in rows {
            let row = w.ggmlRow(r, scratch: scratch)
            var sum: Float = 0
            for b in 0..<blocks {
                let xb = UnsafeRawPointer(xq) + b * QuantBlock.q8_0Bytes
                let dx = HalfFloat.float(f16Bits: xb.loadUnaligned(as: UInt16.self))
                var isum: Int32 = 0
                let dw: Float
                if w.type == .q4_0 {
                    let wb = row + b * QuantBlock.q4_0Bytes
                    dw = HalfFloat.float(f16Bits: wb.loadUnaligned(as: UInt16.self))
                    for j in 0..<16 {
                        let byte = wb.load(fromByteOffset: 2 + j, as: UInt8.self)
                        isum += (Int32(byte & 0x0F) - 8) * Int32(xb.load(fromByteOffset: 2 + j, as: Int8.self))
                        isum += (Int32(byte >> 4) - 8) * Int32(xb.load(fromByteOffset: 18 + j, as: Int8.self))
                    }
                } else {
                    let wb = row + b * QuantBlock.q8_0Bytes
                    dw = HalfFloat.float(f16Bits: wb.loadUnaligned(as: UInt16.self))
                    for j in 0..<32 {
                        isum += Int32(wb.load(fromByteOffset: 2 + j, as: Int8.self))
                            * Int32(xb.load(fromByteOffset: 2 + j, as: Int8.self))
                    }
                }
                sum += Float(isum) * (dw * dx)
            }
            y[r] = sum
        }
    }

    // MARK: vector helpers

    /// out = x / sqrt(mean(x^2) + eps) * weight
    public static func rmsnorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, count: Int,
                               into out: UnsafeMutablePointer<Float>) {
        var ss: Float = 0
        for i in 0..<count { ss += x[i] * x[i] }
        let scale = 1 / (ss / Float(count) + eps).squareRoot()
        for i in 0..<count { out[i] = x[i] * scale * weight[i] }
    }

    /// out = silu(a) * b, silu(a) = a / (1 + exp(-a))
    public static func siluGate(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
                                into out: UnsafeMutablePointer<Float>) {
        for i in 0..<count { out[i] = a[i] / (1 + exp(-a[i])) * b[i] }
    }

    /// In place: x = exp(x - max) / sum
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var m = x[0]
        for i in 0..<count { m = max(m, x[i]) }
        var sum: Float = 0
        for i in 0..<count {
            x[i] = exp(x[i] - m)
            sum += x[i]
        }
        for i in 0..<count { x[i] /= sum }
    }

    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s: Float = 0
        for i in 0..<count { s += a[i] * b[i] }
        return s
    }

    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float16>, count: Int) -> Float {
        var s: Float = 0
        for i in 0..<count { s += a[i] * Float(b[i]) }
        return s
    }

    /// y += alpha * x
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }

    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float16>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += alpha * Float(x[i]) }
    }

    public static func toF16(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float16>, count: Int) {
        for i in 0..<count { out[i] = Float16(x[i]) }
    }

    public static func fromF16(_ x: UnsafePointer<Float16>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = Float(x[i]) }
    }
}
