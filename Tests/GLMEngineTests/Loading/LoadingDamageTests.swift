import Foundation
import Testing
@testable import GLMEngine

/// Damaged files whose numbers (lengths, counts, offsets, shapes) would overflow or trap if converted
/// unchecked: each gives a clear GLMError. Then a seeded mutation run over every format's fixture.
@Suite struct LoadingDamageTests {
    typealias F = LoadingFixtures

    /// A Hugging Face directory with the tiny config and `file` as its weights.
    private func directory(weights name: String, bytes: [UInt8]) throws -> String {
        let dir = try F.temporaryDirectory()
        try FileManager.default.copyItem(atPath: F.tiny + "/config.json", toPath: dir + "/config.json")
        try F.write(bytes, to: dir + "/" + name)
        return dir
    }

    private func safetensors(header: String, data: [UInt8] = []) -> [UInt8] {
        let json = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
    }

    @Test(arguments: [UInt64(1) << 63, UInt64.max, UInt64(1) << 62, 100_000_000])
    func safetensorsHeaderLengthBeyondAnyFile(length: UInt64) throws {
        var bytes = try F.read(F.tiny + "/model.safetensors")
        withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        let dir = try directory(weights: "model.safetensors", bytes: bytes)
        defer { F.remove(dir) }
        let error = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(error?.kind == .badMagic)
        #expect(error?.problem.contains("header length \(length)") == true)
    }

    @Test(arguments: [
        // a shape whose product overflows Int; offsets near Int.max; offsets that do not hold the shape
        #"{"x": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 16]}}"#,
        #"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [9223372036854775800, 9223372036854775804]}}"#,
        #"{"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#,
        #"{"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#,
        #"{"x": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#,
        #"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 99999999999999999999]}}"#,
        #"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#,
        #"{"x": 3}"#, #"[1, 2]"#, #"{"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}"#,
    ])
    func safetensorsHeaderNumbersThatCannotBeTrue(header: String) throws {
        let dir = try directory(weights: "model.safetensors", bytes: safetensors(header: header, data: [0, 0, 0, 0]))
        defer { F.remove(dir) }
        let error = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(error?.path == dir + "/model.safetensors", "\(error?.description ?? "no error")")
    }

    @Test func layerIndexBeyondIntIsAnErrorNotATrap() throws {
        let name = "transformer.encoder.layers.9223372036854775807.input_layernorm.weight"
        let header = #"{"\#(name)": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#
        let dir = try directory(weights: "model.safetensors", bytes: safetensors(header: header, data: [0, 0, 0, 0]))
        defer { F.remove(dir) }
        let error = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(error?.kind == .configMismatch, "\(error?.description ?? "no error")")
    }

    @Test(arguments: [("hidden_size", "1e30"), ("hidden_size", "1099511627776"), ("num_layers", "99999999999"),
                      ("padded_vocab_size", "-3"), ("seq_length", "9223372036854775807"), ("kv_channels", "\"16\"")])
    func configNumbersBeyondAnyModel(key: String, value: String) throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        var config = String(decoding: try F.read(F.tiny + "/config.json"), as: UTF8.self)
        let line = try #require(config.split(separator: "\n").first { $0.contains("\"\(key)\":") })
        config = config.replacingOccurrences(of: String(line), with: "  \"\(key)\": \(value),")
        try F.write(Array(config.utf8), to: dir + "/config.json")
        try FileManager.default.copyItem(atPath: F.tiny + "/model.safetensors", toPath: dir + "/model.safetensors")
        let error = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(error?.path == dir + "/config.json", "\(error?.description ?? "no error")")
    }

    /// 150 per format in the suite; `GLMCHAT_MUTATIONS=20000 swift test --filter mutatedFilesNeverCrash` for a long run.
    static let mutationCount = ProcessInfo.processInfo.environment["GLMCHAT_MUTATIONS"].flatMap { Int($0) } ?? 150

    /// Seeded mutations of each format's fixture: bytes flipped, 2-, 4- and 8-byte fields set to
    /// extremes, the file cut. Every one opens or gives a GLMError; a trap would end this process.
    @Test func mutatedTokenizerModelsNeverCrash() throws {
        let original = try F.read(F.tiny + "/tokenizer.model")
        var random = SeededGenerator(seed: 1018370)
        var loaded = 0, refused = 0
        for _ in 0..<Self.mutationCount {
            do {
                let tokenizer = try Tokenizer(modelBytes: Mutation.apply(to: original, using: &random), source: "mutated")
                _ = tokenizer.decode(tokenizer.encode("Hello 你好 \u{F98E}"))
                loaded += 1
            } catch is GLMError {
                refused += 1
            }
        }
        #expect(loaded + refused == Self.mutationCount)
        #expect(loaded > 0 && refused > 0, "loaded \(loaded), refused \(refused)")
    }

    @Test(arguments: ["safetensors", "gguf", "bin", "zip64-bin"])
    func mutatedFilesNeverCrash(format: String) throws {
        let (source, name): (String, String) = switch format {
        case "safetensors": (F.tiny + "/model.safetensors", "model.safetensors")
        case "gguf": (F.llamaCppGGUF, "model.gguf")
        case "bin": (F.format("f16-bin") + "/pytorch_model.bin", "pytorch_model.bin")
        default: (F.format("zip64-bin") + "/pytorch_model.bin", "pytorch_model.bin")
        }
        let original = try F.read(source)
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        try FileManager.default.copyItem(atPath: F.tiny + "/config.json", toPath: dir + "/config.json")
        let target = dir + "/" + name
        let open = name.hasSuffix(".gguf") ? target : dir
        var random = SeededGenerator(seed: UInt64(format.utf8.count) &* 7919)
        var opened = 0, refused = 0
        for _ in 0..<Self.mutationCount {
            try F.write(Mutation.apply(to: original, using: &random), to: target)
            do {
                let model = try ModelFiles.open(path: open)
                _ = try? model.makeTokenizer(override: F.tiny + "/tokenizer.model")
                opened += 1
            } catch is GLMError {
                refused += 1
            }
        }
        #expect(opened + refused == Self.mutationCount)
        #expect(refused > 0)
    }
}

/// One random damage to a file, biased towards its first few kilobytes, where the headers are.
enum Mutation {
    static func apply(to original: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = original
        let headerEnd = min(bytes.count, 4096)
        // A quarter anywhere, a quarter in the first 64 bytes (lengths and counts), the rest in the headers.
        func position(_ width: Int) -> Int {
            let limit = switch random.next() % 4 {
            case 0: bytes.count
            case 1: min(bytes.count, 64)
            default: headerEnd
            }
            return Int(random.next() % UInt64(max(1, limit - width)))
        }
        switch random.next() % 5 {
        case 0:
            for _ in 0..<(1 + Int(random.next() % 8)) {
                let at = position(1)
                bytes[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            }
        case 1:
            let extremes: [UInt64] = [0, 1, UInt64.max, 1 << 63, (1 << 63) - 1, 1 << 62, 1 << 32, 0xFFFF_FFFF, 1 << 31]
            let value = extremes[Int(random.next() % UInt64(extremes.count))]
            let width = [2, 4, 8][Int(random.next() % 3)]
            let at = position(width)
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(at..<(at + width), with: $0.prefix(width)) }
        case 2:
            bytes.removeSubrange(position(0)...)
        case 3:
            let at = position(16)
            for i in at..<min(bytes.count, at + 16) { bytes[i] = UInt8(truncatingIfNeeded: random.next()) }
        default:
            let at = position(1)
            bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
        }
        return bytes
    }
}
