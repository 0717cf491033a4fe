import Foundation
import Testing
@testable import GLMEngine

/// Damaged GGUF files with k-quant tensors give one clear error, never a crash.
@Suite struct KQuantLoadingErrorTests {
    typealias F = LoadingFixtures

    /// A GGUF v3 file of one 2-D tensor `x` with GGUF dims `dims` (row width first) of ggml type
    /// `code`, followed by `dataBytes` bytes of data.
    static func oneTensorFile(dims: [UInt64], code: UInt32, dataBytes: Int) -> [UInt8] {
        var e = GGUFEncoder()
        e.u32(GGUFReader.magic)
        e.u32(3)
        e.u64(1)  // tensors
        e.u64(0)  // metadata
        e.string("x")
        e.u32(UInt32(dims.count))
        for d in dims { e.u64(d) }
        e.u32(code)
        e.u64(0)
        e.pad(to: 32)
        return e.bytes + [UInt8](repeating: 0x11, count: dataBytes)
    }

    static func readError(_ bytes: [UInt8]) throws -> GLMError? {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        try F.write(bytes, to: dir + "/x.gguf")
        return F.error { _ = try GGUFReader.read(path: dir + "/x.gguf") }
    }

    @Test(arguments: [StorageType.q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs])
    func rowNotWholeSuperBlocks(_ type: StorageType) throws {
        // 13696 columns (ChatGLM3's ffn_down) are whole 32-element blocks but not 256-element ones.
        let bytes = Self.oneTensorFile(dims: [13696, 2], code: GGUFTensorType.code(for: type), dataBytes: 4096)
        let error = try Self.readError(bytes)
        #expect(error?.kind == .badFormat)
        #expect(error?.problem == "tensor x is \(type.rawValue) but its rows of 13696 are not whole 256-element blocks")
    }

    @Test(arguments: [StorageType.q4_1, .q5_0, .q5_1, .iq4_nl, .q4_K, .q6_K])
    func truncatedData(_ type: StorageType) throws {
        let needed = type.byteCount(elements: 256 * 3)
        let bytes = Self.oneTensorFile(dims: [256, 3], code: GGUFTensorType.code(for: type), dataBytes: needed - 1)
        let error = try Self.readError(bytes)
        #expect(error?.kind == .truncated)
        #expect(error?.problem.contains("the data of tensor x") == true, "\(error?.description ?? "no error")")
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        try F.write(Self.oneTensorFile(dims: [256, 3], code: GGUFTensorType.code(for: type), dataBytes: needed), to: dir + "/whole.gguf")
        #expect(try GGUFReader.read(path: dir + "/whole.gguf").tensors.first?.bytes.count == needed)
    }

    @Test func unsupportedTypeIsNamed() throws {
        let error = try Self.readError(Self.oneTensorFile(dims: [256, 1], code: 16, dataBytes: 66))
        #expect(error?.kind == .unsupported)
        #expect(error?.problem.hasPrefix("tensor x has type IQ2_XXS; glmchat reads F32, F16, BF16, Q8_0, Q4_0, Q4_1") == true,
                "\(error?.description ?? "no error")")
    }

    /// A NaN in any fp16 scale field (d, or the mins' dmin) is caught when the weights load.
    @Test(arguments: [(StorageType.q4_K, 2), (.q6_K, 208), (.q2_K, 80), (.q5_1, 2), (.iq4_xs, 0)])
    func nonFiniteScale(_ type: StorageType, _ offset: Int) throws {
        var bytes = RandomBlocks.bytes(rows: 4, cols: 512, type: type, seed: 3)
        let block = 5  // in row 2 for 256-element blocks, row 0 for 32-element ones
        bytes[block * type.blockBytes + offset] = 0x00
        bytes[block * type.blockBytes + offset + 1] = 0x7E  // fp16 NaN
        let error = bytes.withUnsafeBytes { raw in
            F.error {
                _ = try WeightMatrix.make(from: TensorRef(name: "w", shape: [4, 512], type: type, bytes: raw, path: "mem"),
                                          as: type)
            }
        }
        #expect(error?.kind == .badValue)
        let row = block * type.blockElements / 512
        #expect(error?.problem == "tensor w contains NaN or Inf (row \(row))")
    }

    @Test func convertingToATypeGlmchatDoesNotWriteIsRefused() throws {
        let bytes = RandomBlocks.bytes(rows: 2, cols: 256, type: .q4_0, seed: 1)
        let error = bytes.withUnsafeBytes { raw in
            F.error {
                _ = try WeightMatrix.make(from: TensorRef(name: "w", shape: [2, 256], type: .q4_0, bytes: raw, path: "mem"),
                                          as: .q4_K)
            }
        }
        #expect(error?.kind == .unsupported)
        #expect(error?.problem == "tensor w is q4_0: glmchat converts weights to f32, f16, q8_0 or q4_0, not q4_K")
    }
}
