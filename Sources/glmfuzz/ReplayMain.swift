#if !FUZZING
import Foundation

/// Without -sanitize=fuzzer (an ordinary build), glmfuzz replays inputs: `glmfuzz run TARGET
/// FILE|DIR...` prints how the target's reader answered each file, so a crash file from a fuzzing
/// run (or a whole corpus) can be rerun under the debugger or in tests. `glmfuzz list` names the targets.
@main
struct ReplayMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "list":
            for target in FuzzTarget.allCases { print("\(target.rawValue)\t\(target.summary)") }
        case "run" where arguments.count >= 3:
            guard let target = FuzzTarget(rawValue: arguments[1]) else { fail("unknown target \(arguments[1])") }
            replay(target, paths: Array(arguments.dropFirst(2)))
        default:
            fail("usage: glmfuzz list | glmfuzz run TARGET FILE|DIR...")
        }
    }

    static func replay(_ target: FuzzTarget, paths: [String]) {
        let workspace: FuzzWorkspace
        do { workspace = try FuzzWorkspace() } catch { fail("cannot create a workspace: \(error)") }
        for file in paths.flatMap(files) {
            guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
            print("\(file): \(target.run(Array(data), in: workspace))")
        }
    }

    /// The file itself, or the files of a directory (sorted, not recursive).
    static func files(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such file: \(path)") }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { (path as NSString).appendingPathComponent($0) }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("glmfuzz: \(message)\n".utf8))
        exit(2)
    }
}
#endif
