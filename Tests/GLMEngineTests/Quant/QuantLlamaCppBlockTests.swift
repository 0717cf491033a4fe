import Foundation
import Testing
@testable import GLMEngine

/// Every tensor type glmchat reads, decoded against llama.cpp's own decoding of the same blocks
/// (`Fixtures/quants/llamacpp-blocks.gguf`, made by `scripts/make_quant_fixtures.py` with
/// llama.cpp's quantizer and to_float), bit for bit; and glmchat's quantizers against llama.cpp's.
@Suite struct QuantLlamaCppBlockTests {
    static let path = LoadingFixtures.root.appendingPathComponent("quants/llamacpp-blocks.gguf").path

    /// The fixture's tensors by name; `contents` keeps their mapping alive.
    struct Blocks {
        let contents: GGUFContents
        let byName: [String: TensorRef]

        subscript(name: String) -> TensorRef? { byName[name] }
    }

    static func tensors() throws -> Blocks {
        let contents = try GGUFReader.read(path: path)
        return Blocks(contents: contents, byName: Dictionary(uniqueKeysWithValues: contents.tensors.map { ($0.name, $0) }))
    }

    static func floats(_ t: TensorRef) -> [Float] {
        var out = [Float](repeating: 0, count: t.elementCount)
        out.withUnsafeMutableBufferPointer { o in
            QuantRow.dequantize(.f32, t.bytes.baseAddress.unsafelyUnwrapped, count: t.elementCount, into: o.baseAddress.unsafelyUnwrapped)
        }
        return out
    }

    @Test func fixtureHoldsEveryType() throws {
        let tensors = try Self.tensors()
        for type in StorageType.allCases {
            let quantized = try #require(tensors["\(type.rawValue).quantized"], "no blocks of \(type)")
            #expect(quantized.type == type)
            #expect(tensors["\(type.rawValue).dequantized"]?.type == .f32)
        }
    }

    @Test(arguments: StorageType.allCases)
    func decodingMatchesLlamaCpp(_ type: StorageType) throws {
        let tensors = try Self.tensors()
        let blocks = try #require(tensors["\(type.rawValue).quantized"])
        let expected = Self.floats(try #require(tensors["\(type.rawValue).dequantized"]))
        let rows = blocks.shape[0], cols = blocks.shape[1]
        let rowBytes = type.byteCount(elements: cols)
        for r in 0..<rows {
            var row = [Float](repeating: .nan, count: cols)
            row.withUnsafeMutableBufferPointer {
                QuantRow.dequantize(type, blocks.bytes.baseAddress.unsafelyUnwrapped + r * rowBytes, count: cols,
                                    into: $0.baseAddress.unsafelyUnwrapped)
            }
            let want = Array(expected[r * cols..<(r + 1) * cols])
            let first = (0..<cols).first { row[$0].bitPattern != want[$0].bitPattern }
            #expect(first == nil, "\(type) row \(r) element \(first ?? -1): \(first.map { row[$0] } ?? 0) vs \(first.map { want[$0] } ?? 0)")
        }
    }

    /// Weight matrices (every type but bf16, which weights are converted from) decode their rows the
    /// same on every kernel path.
    @Test(arguments: StorageType.allCases.filter { $0 != .bf16 })
    func weightRowsDecodeTheSameOnEveryPath(_ type: StorageType) throws {
        let tensors = try Self.tensors()
        let blocks = try #require(tensors["\(type.rawValue).quantized"])
        let w = try WeightMatrix.make(from: blocks, as: type, owner: tensors.contents.file)
        let expected = Self.floats(try #require(tensors["\(type.rawValue).dequantized"]))
        for path in KernelPath.supported {
            for r in 0..<w.rows {
                var row = [Float](repeating: .nan, count: w.cols)
                row.withUnsafeMutableBufferPointer { Kernels.dequantizeRow(w, r, into: $0.baseAddress.unsafelyUnwrapped, path: path) }
                #expect(row.bits == Array(expected[r * w.cols..<(r + 1) * w.cols]).bits, "\(type) \(path) row \(r)")
            }
        }
    }

    /// glmchat writes q4_0, q8_0, f16 and bf16: the same bytes as llama.cpp's quantizer from the same floats.
    @Test(arguments: [StorageType.q4_0, .q8_0, .f16, .bf16])
    func quantizingMatchesLlamaCpp(_ type: StorageType) throws {
        let tensors = try Self.tensors()
        let input = Self.floats(try #require(tensors["\(type.rawValue).input"]))
        let blocks = try #require(tensors["\(type.rawValue).quantized"])
        let cols = blocks.shape[1], inputRows = input.count / cols
        let expected = Array(UnsafeRawBufferPointer(rebasing: blocks.bytes.prefix(inputRows * type.byteCount(elements: cols))))
        for path in KernelPath.supported {
            var out = [UInt8](repeating: 0, count: expected.count)
            input.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBytes { o in
                    for r in 0..<inputRows {
                        FastQuantRow.quantize(x.baseAddress.unsafelyUnwrapped + r * cols, count: cols, to: type,
                                              into: o.baseAddress.unsafelyUnwrapped + r * type.byteCount(elements: cols), path: path)
                    }
                }
            }
            #expect(out == expected, "\(type) on \(path)")
        }
    }

    /// The activations of the super-block types: ggml's quantize_row_q8_K_ref, byte for byte.
    @Test func q8KActivationMatchesLlamaCpp() throws {
        let tensors = try Self.tensors()
        let input = Self.floats(try #require(tensors["q8_K.input"]))
        let q = Self.floats(try #require(tensors["q8_K.q"]))
        let d = Self.floats(try #require(tensors["q8_K.d"]))
        let bsums = Self.floats(try #require(tensors["q8_K.bsums"]))
        let act = SuperBlockActivation()
        input.withUnsafeBufferPointer { act.quantize($0.baseAddress.unsafelyUnwrapped, count: input.count) }
        #expect((0..<input.count).map { Float(act.q[$0]) } == q)
        #expect((0..<d.count).map { act.d[$0].bitPattern } == d.map(\.bitPattern))
        #expect((0..<bsums.count).map { Float(act.bsums[$0]) } == bsums)
        let reference = input.withUnsafeBufferPointer { KQuantReference.quantizeQ8K($0.baseAddress.unsafelyUnwrapped, count: input.count) }
        #expect(reference.q.map(Float.init) == q)
        #expect(reference.d.map(\.bitPattern) == d.map(\.bitPattern))
    }
}
