import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS chooses its kernels by CPU model when it loads. Debian's 0.3.21 does not know recent
/// Xeons (Sapphire and Emerald Rapids) and falls back to its SSE3 "Prescott" kernels, whose sgemm
/// ran 3.5x slower on this machine than its AVX-512 ones (docs/PERFORMANCE.md, "OpenBLAS's kernels").
/// Before the first sgemm (f32, f16 and bf16 weights reading a prompt), a core weaker than the CPU's
/// instructions is swapped for the strongest one the CPU runs, as `OPENBLAS_CORETYPE` would choose at
/// startup. A user's own `OPENBLAS_CORETYPE` is left alone.
enum OpenBLASCore {
    /// The change made, once per process (nil: none was needed or possible).
    static let upgrade: (from: String, to: String)? = upgradeIfWeaker()

    /// The kernels OpenBLAS runs now ("Prescott", "Haswell", "SkylakeX", ...).
    static var current: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// How much of the CPU an OpenBLAS core uses: 3 AVX-512, 2 AVX2, 1 anything older.
    static func tier(_ core: String) -> Int {
        switch core.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": 3
        case "haswell", "zen": 2
        default: 1
        }
    }

    /// The strongest core this CPU runs, with its tier, or nil for a CPU without AVX2.
    static var strongestForThisCPU: (name: String, tier: Int)? {
        if KernelPath.avx512vnni.isSupported { return ("SkylakeX", 3) }
        if KernelPath.avx2.isSupported { return ("Haswell", 2) }
        return nil
    }

    private static func upgradeIfWeaker() -> (from: String, to: String)? {
        guard getenv("OPENBLAS_CORETYPE") == nil, let target = strongestForThisCPU else { return nil }
        let before = current
        guard tier(before) < target.tier else { return nil }
        // a dynamic-architecture OpenBLAS (Debian's, most distributions') exports these two: `quit`
        // forgets the core, `init` chooses again and reads OPENBLAS_CORETYPE as it does when it loads
        typealias Step = @convention(c) () -> Void
        guard let quit = dlsym(nil, "gotoblas_dynamic_quit"), let initialize = dlsym(nil, "gotoblas_dynamic_init") else {
            return nil
        }
        setenv("OPENBLAS_CORETYPE", target.name, 1)
        unsafeBitCast(quit, to: Step.self)()
        unsafeBitCast(initialize, to: Step.self)()
        unsetenv("OPENBLAS_CORETYPE")
        let after = current
        return after == before ? nil : (before, after)
    }
}
