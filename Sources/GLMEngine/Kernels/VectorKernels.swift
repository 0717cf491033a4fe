import CKernels
import Foundation

/// Vector helpers for the forward pass (norms, activations, attention). Each has a scalar twin in
/// `ReferenceKernels`. Outputs may alias inputs element for element (in-place use is fine).
extension Kernels {
    /// out = x / sqrt(mean(x^2) + eps) * weight
    public static func rmsnorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, count: Int,
                               into out: UnsafeMutablePointer<Float>) {
        scaleMultiply(x, weight, rmsScale(x, eps: eps, count: count), count: count, into: out)
    }

    /// 1 / sqrt(mean(x^2) + eps): what `rmsnorm` multiplies x by before the weight.
    static func rmsScale(_ x: UnsafePointer<Float>, eps: Float, count: Int) -> Float {
        1 / (PortableKernels.dot(x, x, count: count) / Float(count) + eps).squareRoot()
    }

    /// out = silu(a) * b
    public static func siluGate(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
                                into out: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            var e = SIMD8<Float>()
            for k in 0..<8 { e[k] = exp(-va[k]) }
            UnsafeMutableRawPointer(out + i).storeBytes(of: va / (1 + e) * vb, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            out[i] = a[i] / (1 + exp(-a[i])) * b[i]
            i += 1
        }
    }

    /// In place: x = exp(x - max) / sum
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var m = x[0]
        for i in 0..<count { m = max(m, x[i]) }
        var sum: Float = 0
        for i in 0..<count {
            let e = exp(x[i] - m)
            x[i] = e
            sum += e
        }
        let inverse = 1 / sum
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(x + i).storeBytes(of: v * inverse, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            x[i] *= inverse
            i += 1
        }
    }

    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        PortableKernels.dot(a, b, count: count)
    }

    /// a . b with b in half precision (a key in the F16 cache).
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float16>, count: Int,
                           path: KernelPath = .best) -> Float {
        #if arch(x86_64)
        if path.hasF16C {
            return b.withMemoryRebound(to: UInt16.self, capacity: count) { ck_dot_f32_f16_avx2(a, $0, Int64(count)) }
        }
        #endif
        return ReferenceKernels.dot(a, b, count: count)
    }

    /// y += alpha * x
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let vx = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let vy = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: vy + alpha * vx, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// y += alpha * x with x in half precision (a value in the F16 cache).
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float16>, _ y: UnsafeMutablePointer<Float>, count: Int,
                            path: KernelPath = .best) {
        #if arch(x86_64)
        if path.hasF16C {
            return x.withMemoryRebound(to: UInt16.self, capacity: count) { ck_axpy_f16_avx2(alpha, $0, y, Int64(count)) }
        }
        #endif
        ReferenceKernels.axpy(alpha, x, y, count: count)
    }

    /// Rounds to half precision, nearest even.
    public static func toF16(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float16>, count: Int,
                             path: KernelPath = .best) {
        #if arch(x86_64)
        if path.hasF16C {
            return out.withMemoryRebound(to: UInt16.self, capacity: count) { ck_f32_to_f16_avx2(x, $0, Int64(count)) }
        }
        #endif
        ReferenceKernels.toF16(x, out, count: count)
    }

    public static func fromF16(_ x: UnsafePointer<Float16>, _ out: UnsafeMutablePointer<Float>, count: Int,
                               path: KernelPath = .best) {
        #if arch(x86_64)
        if path.hasF16C {
            return x.withMemoryRebound(to: UInt16.self, capacity: count) { ck_f16_to_f32_avx2($0, out, Int64(count)) }
        }
        #endif
        ReferenceKernels.fromF16(x, out, count: count)
    }

    private static func scaleMultiply(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ scale: Float, count: Int,
                                      into out: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            let vx = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let vw = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: vx * scale * vw, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            out[i] = x[i] * scale * w[i]
            i += 1
        }
    }
}
