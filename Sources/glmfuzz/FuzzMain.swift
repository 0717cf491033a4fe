#if FUZZING
import CFuzzerDriver
import Foundation

/// The target this libFuzzer process runs (GLMFUZZ_TARGET) and its workspace, set up before the
/// loop starts; libFuzzer calls the callback on one thread.
nonisolated(unsafe) private var fuzzTarget = FuzzTarget.gguf
nonisolated(unsafe) private var fuzzWorkspace: FuzzWorkspace?
/// GLMFUZZ_VERBOSE=1 prints how the reader answered each input (with -runs=0: the seeds).
nonisolated(unsafe) private var fuzzVerbose = false

/// The entry point SwiftPM links as `main` for the `glmfuzz` executable (it names it
/// `<module>_main`); built with -sanitize=fuzzer it hands the command line to libFuzzer.
@_cdecl("glmfuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    let name = ProcessInfo.processInfo.environment["GLMFUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("glmfuzz: set GLMFUZZ_TARGET to one of: \(names)\n".utf8))
        return 2
    }
    do {
        fuzzWorkspace = try FuzzWorkspace()
    } catch {
        FileHandle.standardError.write(Data("glmfuzz: cannot create a workspace: \(error)\n".utf8))
        return 1
    }
    fuzzTarget = target
    fuzzVerbose = ProcessInfo.processInfo.environment["GLMFUZZ_VERBOSE"] == "1"
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    let status = LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        guard let workspace = fuzzWorkspace else { return 0 }
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        let answer = fuzzTarget.run(input, in: workspace)
        if fuzzVerbose { FileHandle.standardError.write(Data("glmfuzz: \(input.count) bytes: \(answer)\n".utf8)) }
        return 0
    }
    fuzzWorkspace = nil
    return status
}
#endif
