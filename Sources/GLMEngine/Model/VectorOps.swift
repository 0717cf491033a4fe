import Foundation

/// The row-wise vector steps of the forward pass, on top of the SIMD kernels.
enum VectorOps {
    /// out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight, for each row r of width weight.count.
    static func rmsNorm(_ x: UnsafePointer<Float>, _ weight: [Float], eps: Float, rows: Int,
                        into out: UnsafeMutablePointer<Float>) {
        let width = weight.count
        weight.withUnsafeBufferPointer { w in
            guard let wp = w.baseAddress else { return }
            for r in 0..<rows {
                Kernels.rmsnorm(x + r * width, weight: wp, eps: eps, count: width, into: out + r * width)
            }
        }
    }

    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        Kernels.softmax(x, count: count)
    }
}
