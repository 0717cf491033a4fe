import CKernels

/// Which instruction set the matrix kernels use. Chosen at run time from cpuid; any supported
/// path can be forced (tests run every one the machine has).
public enum KernelPath: String, CaseIterable, Sendable {
    /// AVX-512 VNNI plus VBMI and GFNI: Q4_0 four blocks per 512-bit step; otherwise as `avx512vnni`.
    case avx512vbmi
    /// AVX-512 with VNNI int8 dot products (C intrinsics).
    case avx512vnni
    /// AVX2 + FMA + F16C (C intrinsics).
    case avx2
    /// Swift SIMD types only; runs anywhere.
    case portable

    public var isSupported: Bool {
        switch self {
        case .avx512vbmi: return KernelPath.cpuHasAVX512VBMI
        case .avx512vnni: return KernelPath.cpuHasAVX512VNNI
        case .avx2: return KernelPath.cpuHasAVX2
        case .portable: return true
        }
    }

    /// The fastest path this CPU supports.
    public static let best: KernelPath = allCases.first { $0.isSupported } ?? .portable

    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

    /// AMX-TILE and AMX-INT8 with the tile state granted to this process (asked for once, here):
    /// the `avx512vbmi` path then multiplies Q4_0 batches with tiles (`ComputeContext.usesAMX`).
    public static let amxInt8Available = ck_cpu_has_amx_int8() != 0

    private static let cpuHasAVX512VBMI = ck_cpu_has_avx512vbmi() != 0
    private static let cpuHasAVX512VNNI = ck_cpu_has_avx512vnni() != 0
    private static let cpuHasAVX2 = ck_cpu_has_avx2() != 0

    /// The half-precision helpers and the vectorized quantizers only need AVX2 + F16C.
    public var hasF16C: Bool { self != .portable }

    /// AVX-512 F/BW/VL/VNNI (the float and Q8_0 kernels of both AVX-512 paths).
    public var hasAVX512: Bool { self == .avx512vbmi || self == .avx512vnni }
}
