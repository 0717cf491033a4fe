import Foundation

/// How a tensor's elements are stored: floats, or one of ggml's quantized block formats
/// (`GGMLBlockGeometry` has the block sizes). The raw values are ggml's type names in lower case,
/// with the k-quant suffix as ggml spells it (`q4_K`).
public enum StorageType: String, Sendable, CaseIterable {
    case f32, f16, bf16, q8_0, q4_0
    case q4_1, q5_0, q5_1, iq4_nl
    case q2_K, q3_K, q4_K, q5_K, q6_K, iq4_xs

    /// Bytes for `count` elements (count must be a multiple of `blockElements`).
    public func byteCount(elements count: Int) -> Int { count / blockElements * blockBytes }

    /// Elements per block: 1 for float types, 32 or 256 for quantized ones.
    public var blockElements: Int { GGMLBlockGeometry.of(self).elements }

    /// Bytes per block.
    public var blockBytes: Int { GGMLBlockGeometry.of(self).bytes }

    /// Stored in quantized blocks (every type but f32, f16 and bf16).
    public var isBlockQuantized: Bool { blockElements > 1 }

    /// Whether glmchat can write this type (convert to it); the others it only reads.
    public var isWritable: Bool { [.f32, .f16, .bf16, .q8_0, .q4_0].contains(self) }
}

/// One tensor as found in a checkpoint file: its bytes stay in the file's mapping.
/// `shape` is in PyTorch order (outermost first: a Linear weight is [out, in]) whatever the file format;
/// GGUF readers reverse GGUF's input-first dims so every loader agrees.
public struct TensorRef: @unchecked Sendable {
    public let name: String
    public let shape: [Int]
    public let type: StorageType
    public let bytes: UnsafeRawBufferPointer
    /// The file the bytes live in, for error messages.
    public let path: String

    public init(name: String, shape: [Int], type: StorageType, bytes: UnsafeRawBufferPointer, path: String) {
        self.name = name
        self.shape = shape
        self.type = type
        self.bytes = bytes
        self.path = path
    }

    /// The product of the dimensions; nil when it does not fit an Int (a damaged file's shape).
    public static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// Every loader checks its shape with `elementCount(of:)` before making a `TensorRef`.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// Every tensor of a checkpoint by its original (Hugging Face) name, matched byte for byte, plus the
/// mappings that own the bytes.
public final class Checkpoint: @unchecked Sendable {
    public private(set) var tensors: [ExactText: TensorRef] = [:]
    /// Keeps every mapping alive for as long as a tensor may point into it.
    public private(set) var files: [MappedFile] = []

    public init() {}

    public func retain(_ file: MappedFile) { files.append(file) }

    /// Lets the system take back the pages of `bytes` (a tensor no longer read in place, its values
    /// copied elsewhere) from whichever mapping holds them; a later read would load them again.
    public func dropPages(_ bytes: UnsafeRawBufferPointer) {
        for file in files { file.dropPages(bytes) }
    }

    public func add(_ tensor: TensorRef) throws {
        let name = ExactText(tensor.name)
        if tensors[name] != nil {
            throw GLMError(.badFormat, path: tensor.path, "tensor \(tensor.name) appears twice")
        }
        tensors[name] = tensor
    }

    /// The tensor whose name has exactly these bytes.
    public subscript(name: String) -> TensorRef? { tensors[ExactText(name)] }

    public func tensor(_ name: String, in path: String) throws -> TensorRef {
        guard let t = self[name] else {
            throw GLMError(.missingTensor, path: path, "missing tensor \(name)")
        }
        return t
    }
}
