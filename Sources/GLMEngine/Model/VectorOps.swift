import Foundation

/// The small vector steps of the forward pass.
enum VectorOps {
    /// out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight, for each row r of width weight.count.
    static func rmsNorm(_ x: UnsafePointer<Float>, _ weight: [Float], eps: Float, rows: Int,
                        into out: UnsafeMutablePointer<Float>) {
        let width = weight.count
        weight.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                let row = x + r * width
                var sumSquares: Float = 0
                for i in 0..<width { sumSquares += row[i] * row[i] }
                let inverse = 1 / (sumSquares / Float(width) + eps).squareRoot()
                for i in 0..<width { out[r * width + i] = row[i] * inverse * w[i] }
            }
        }
    }

    static func addRows(_ bias: [Float], to values: UnsafeMutablePointer<Float>, rows: Int) {
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                for i in 0..<b.count { values[r * b.count + i] += b[i] }
            }
        }
    }

    static func add(_ delta: UnsafePointer<Float>, to values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { values[i] += delta[i] }
    }

    /// out[r] = silu(gateUp[r][0..<width]) * gateUp[r][width..<2 width].
    static func swiGLU(_ gateUp: UnsafePointer<Float>, width: Int, rows: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let gate = gateUp + r * 2 * width, up = gate + width
            for i in 0..<width {
                out[r * width + i] = gate[i] / (1 + expf(-gate[i])) * up[i]
            }
        }
    }

    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += a[i] * b[i] }
        return sum
    }

    /// y += a * x.
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += a * x[i] }
    }

    /// In-place softmax, max-subtracted.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maxValue = -Float.infinity
        for i in 0..<count { maxValue = max(maxValue, x[i]) }
        var total: Float = 0
        for i in 0..<count {
            x[i] = expf(x[i] - maxValue)
            total += x[i]
        }
        let inverse = 1 / total
        for i in 0..<count { x[i] *= inverse }
    }
}
