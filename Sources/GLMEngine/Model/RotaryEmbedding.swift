import Foundation

/// ChatGLM3's RoPE: only the first half of each head rotates, in adjacent pairs (2i, 2i+1).
/// Angles are computed in fp32 like the reference (fp64 angles would differ by up to 1e-3 at 32K).
public struct RotaryEmbedding: Sendable {
    /// theta_i = base^(-2i / ropeDims), i = 0 ..< ropeDims / 2.
    public let inverseFrequencies: [Float]

    public init(config: ModelConfig) {
        let dims = config.ropeDims
        let base = Float(config.ropeBase)
        inverseFrequencies = (0..<(dims / 2)).map { i in 1 / powf(base, Float(2 * i) / Float(dims)) }
    }

    /// Writes cos and sin of every pair's angle at `position`.
    public func angles(position: Int, cos cosOut: UnsafeMutablePointer<Float>, sin sinOut: UnsafeMutablePointer<Float>) {
        let p = Float(position)
        for (i, theta) in inverseFrequencies.enumerated() {
            let angle = p * theta
            cosOut[i] = cosf(angle)
            sinOut[i] = sinf(angle)
        }
    }

    /// Rotates the first half of one head in place.
    @inline(__always)
    public func rotate(_ head: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        for i in 0..<inverseFrequencies.count {
            let x0 = head[2 * i], x1 = head[2 * i + 1]
            head[2 * i] = x0 * cos[i] - x1 * sin[i]
            head[2 * i + 1] = x1 * cos[i] + x0 * sin[i]
        }
    }
}
