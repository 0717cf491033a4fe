import Foundation
import Testing
@testable import GLMEngine

/// Every checkpoint format yields the same tensors, bit for bit, as the fp32 safetensors of the tiny model.
@Suite struct LoadingFormatsTests {
    typealias F = LoadingFixtures

    private func expectSameTensors(_ a: OpenedModel, _ b: OpenedModel, ignoring: Set<ExactText> = []) {
        let names = Set(a.checkpoint.tensors.keys).subtracting(ignoring)
        #expect(names == Set(b.checkpoint.tensors.keys).subtracting(ignoring))
        for name in names.sorted() {
            guard let x = a.checkpoint.tensors[name], let y = b.checkpoint.tensors[name] else { continue }
            #expect(x.shape == y.shape, "\(name)")
            #expect(x.type == y.type, "\(name)")
            #expect(F.bytes(x) == F.bytes(y), "\(name) differs")
        }
    }

    @Test func singleSafetensorsOpensWithTokenizer() throws {
        let model = try ModelFiles.open(path: F.tiny)
        #expect(model.format == .safetensors)
        #expect(model.config == (try ModelConfig.load(huggingFaceConfig: F.tiny + "/config.json")))
        #expect(model.tokenizer == .file(F.tiny + "/tokenizer.model"))
        #expect(model.checkpoint.tensors.count == 18)
        #expect(model.gguf == nil)
    }

    @Test func shardedSafetensorsMatchSingleFile() throws {
        let sharded = try ModelFiles.open(path: F.format("sharded-safetensors"))
        #expect(sharded.format == .shardedSafetensors)
        #expect(Set(sharded.checkpoint.files.map(\.path)).count == 2)
        expectSameTensors(sharded, try ModelFiles.open(path: F.tiny))
    }

    @Test func shardedBinMatchesSafetensors() throws {
        let bin = try ModelFiles.open(path: F.format("sharded-bin"))
        #expect(bin.format == .shardedPytorchBin)
        #expect(bin.tokenizer == .none)
        expectSameTensors(bin, try ModelFiles.open(path: F.tiny))
        // The fixture stores these two as views of one storage: the second starts at element 64.
        let a = try bin.checkpoint.tensor(TensorNames.layer(0, .inputNorm), in: "")
        let b = try bin.checkpoint.tensor(TensorNames.layer(0, .postNorm), in: "")
        #expect(b.bytes.baseAddress == a.bytes.baseAddress.map { $0 + 64 * 4 })
    }

    @Test func halfPrecisionBinMatchesSafetensorsAndSwiftRounding() throws {
        let bin = try ModelFiles.open(path: F.format("f16-bin"))
        #expect(bin.format == .pytorchBin)
        let st = try ModelFiles.open(path: F.format("f16-safetensors"))
        expectSameTensors(bin, st)
        let f32 = try ModelFiles.open(path: F.tiny)
        for (name, t) in bin.checkpoint.tensors {
            #expect(t.type == .f16)
            guard let source = f32.checkpoint.tensors[name] else { continue }
            let expected = source.bytes.withMemoryRebound(to: Float.self) { $0.map { Float16($0).bitPattern } }
            let found = t.bytes.withMemoryRebound(to: UInt16.self) { Array($0) }
            #expect(found == expected, "\(name)")
        }
    }

    @Test func bfloat16BinMatchesSafetensorsAndSwiftRounding() throws {
        let bin = try ModelFiles.open(path: F.format("bf16-bin"))
        expectSameTensors(bin, try ModelFiles.open(path: F.format("bf16-safetensors")))
        let f32 = try ModelFiles.open(path: F.tiny)
        for (name, t) in bin.checkpoint.tensors {
            #expect(t.type == .bf16)
            guard let source = f32.checkpoint.tensors[name] else { continue }
            // Round to nearest even, as torch does (the weights hold no NaN).
            let expected = source.bytes.withMemoryRebound(to: UInt32.self) {
                $0.map { UInt16(truncatingIfNeeded: ($0 &+ 0x7FFF &+ (($0 >> 16) & 1)) >> 16) }
            }
            let found = t.bytes.withMemoryRebound(to: UInt16.self) { Array($0) }
            #expect(found == expected, "\(name)")
        }
    }

    @Test func zip64ArchiveMatchesPlainArchive() throws {
        let zip64 = try ModelFiles.open(path: F.format("zip64-bin"))
        expectSameTensors(zip64, try ModelFiles.open(path: F.format("f16-bin")))
    }

    @Test func llamaCppGGUFMatchesSafetensors() throws {
        let gguf = try ModelFiles.open(path: F.llamaCppGGUF)
        let st = try ModelFiles.open(path: F.tiny)
        #expect(gguf.format == .gguf)
        #expect(gguf.config == st.config)
        #expect(gguf.tokenizer == .ggufVocabulary)
        #expect(gguf.gguf?["tokenizer.ggml.pre"] == .string("chatglm-spm"))
        // llama.cpp drops inv_freq; everything else is the same F32 data.
        expectSameTensors(gguf, st, ignoring: [ExactText(TensorNames.ropeInverseFrequencies)])
        #expect(gguf.checkpoint[TensorNames.ropeInverseFrequencies] == nil)
    }

    @Test func llamaCppFileUsesItsVocabularyUnlessATokenizerIsNamed() throws {
        let gguf = try ModelFiles.open(path: F.llamaCppGGUF)
        #expect(try gguf.tokenizerSource() == .ggufVocabulary)
        #expect(try gguf.tokenizerSource(override: "/x/tokenizer.model") == .file("/x/tokenizer.model"))
    }

    @Test func safetensorsIsPreferredOverBin() throws {
        let dir = try F.copy(F.format("f16-bin"), named: "model")
        defer { F.remove((dir as NSString).deletingLastPathComponent) }
        try FileManager.default.copyItem(atPath: F.format("bf16-safetensors") + "/model.safetensors",
                                         toPath: dir + "/model.safetensors")
        let model = try ModelFiles.open(path: dir)
        #expect(model.format == .safetensors)
        #expect(model.checkpoint.tensors.values.allSatisfy { $0.type == .bf16 })
    }
}
