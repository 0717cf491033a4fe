import Foundation
import Testing
@testable import GLMEngine

@Suite struct QuantConversionTests {
    /// A TensorRef over bytes owned by the returned buffer.
    private func tensor(_ values: [Float], shape: [Int], as type: StorageType) -> (TensorRef, AlignedBuffer) {
        let cols = shape.last ?? 1
        let rows = values.count / max(cols, 1)
        let buffer = values.withUnsafeBufferPointer {
            Quant.quantize($0.baseAddress.unsafelyUnwrapped, rows: rows, cols: cols, to: type)
        }
        let bytes = UnsafeRawBufferPointer(start: buffer.pointer, count: buffer.byteCount)
        return (TensorRef(name: "w", shape: shape, type: type, bytes: bytes, path: "/models/x.gguf"), buffer)
    }

    private func bytes(_ w: WeightMatrix) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: w.data, count: w.byteCount))
    }

    @Test(arguments: [StorageType.f32, .f16, .q8_0, .q4_0])
    func convertingFromF32MatchesQuantize(_ target: StorageType) throws {
        var rng = SeededRandom(seed: 3)
        let values = rng.floats(3 * 64)
        let (t, keep) = tensor(values, shape: [3, 64], as: .f32)
        let w = try WeightMatrix.make(from: t, as: target)
        let expected = values.withUnsafeBufferPointer {
            Quant.quantize($0.baseAddress.unsafelyUnwrapped, rows: 3, cols: 64, to: target)
        }
        #expect(w.rows == 3 && w.cols == 64 && w.type == target)
        #expect(bytes(w) == Array(UnsafeRawBufferPointer(start: expected.pointer, count: expected.byteCount)))
        withExtendedLifetime(keep) {}
    }

    @Test(arguments: [StorageType.f16, .bf16, .q8_0, .q4_0])
    func convertingBetweenTypesGoesThroughFloats(_ source: StorageType) throws {
        var rng = SeededRandom(seed: 5)
        let (t, keep) = tensor(rng.floats(2 * 96), shape: [2, 96], as: source)
        let w = try WeightMatrix.make(from: t, as: .q4_0, ctx: ComputeContext(threads: 2))
        let floats = Quant.dequantize(t.bytes.baseAddress.unsafelyUnwrapped, type: source, rows: 2, cols: 96)
        let expected = Quant.quantize(rows: [Array(floats[0..<96]), Array(floats[96...])], to: .q4_0)
        #expect(bytes(w) == Array(UnsafeRawBufferPointer(start: expected.pointer, count: expected.byteCount)))
        withExtendedLifetime(keep) {}
    }

    @Test func sameTypeWithOwnerIsUsedInPlace() throws {
        let (t, keep) = tensor([Float](repeating: 1, count: 64), shape: [2, 32], as: .q4_0)
        let inPlace = try WeightMatrix.make(from: t, as: .q4_0, owner: keep)
        #expect(inPlace.data == UnsafeRawPointer(t.bytes.baseAddress))
        #expect(ObjectIdentifier(inPlace.owner) == ObjectIdentifier(keep))
        let copied = try WeightMatrix.make(from: t, as: .q4_0)
        #expect(copied.data != UnsafeRawPointer(t.bytes.baseAddress))
        #expect(bytes(copied) == bytes(inPlace))
    }

    @Test(arguments: [StorageType.f32, .f16, .bf16, .q8_0, .q4_0])
    func nonFiniteValuesAreRejectedWithNameAndFile(_ source: StorageType) throws {
        for bad in [Float.nan, .infinity, -.infinity] {
            var values = [Float](repeating: 0.5, count: 4 * 32)
            if !source.isBlockQuantized { values[2 * 32 + 5] = bad }
            let (t, keep) = tensor(values, shape: [4, 32], as: source)
            if source.isBlockQuantized {
                // quantizers never emit a non-finite scale, so write one into row 2's block as a bad file would
                keep.pointer.storeBytes(of: HalfFloat.f16Bits(bad), toByteOffset: 2 * source.byteCount(elements: 32),
                                        as: UInt16.self)
            }
            #expect {
                try WeightMatrix.make(from: t, as: .q4_0)
            } throws: { error in
                guard let e = error as? GLMError else { return false }
                return e.kind == .badValue && e.path == "/models/x.gguf" && e.problem.contains("tensor w")
                    && e.problem.contains("row 2")
            }
            withExtendedLifetime(keep) {}
        }
    }

    @Test func badShapesAndSizesAreClearErrors() throws {
        let (flat, keep1) = tensor([Float](repeating: 1, count: 64), shape: [64], as: .f32)
        #expect(throws: GLMError.self) { try WeightMatrix.make(from: flat, as: .f32) }
        let (odd, keep2) = tensor([Float](repeating: 1, count: 66), shape: [2, 33], as: .f32)
        #expect { try WeightMatrix.make(from: odd, as: .q8_0) } throws: { error in
            (error as? GLMError)?.kind == .wrongShape && (error as? GLMError)?.problem.contains("33 columns") == true
        }
        #expect((try? WeightMatrix.make(from: odd, as: .f16)) != nil)  // f16 needs no blocks
        let short = TensorRef(name: "w", shape: [3, 32], type: .f32, bytes: flat.bytes, path: "/m")
        #expect { try WeightMatrix.make(from: short, as: .f32) } throws: { error in
            (error as? GLMError)?.kind == .badFormat
        }
        #expect { try WeightMatrix.make(from: odd, as: .bf16) } throws: { error in
            (error as? GLMError)?.kind == .unsupported
        }
        withExtendedLifetime((keep1, keep2)) {}
    }
}
