import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One tensor to write: its GGUF name, PyTorch-order shape and final storage type are known up front
/// (the header lists them before any data); its bytes are produced only when the writer reaches it,
/// so a 12 GB model never sits in memory at once.
public struct GGUFTensorSource {
    public let name: String
    public let shape: [Int]
    public let type: StorageType
    public let bytes: () throws -> [UInt8]

    public init(name: String, shape: [Int], type: StorageType, bytes: @escaping () throws -> [UInt8]) {
        self.name = name
        self.shape = shape
        self.type = type
        self.bytes = bytes
    }

    public var byteCount: Int { type.byteCount(elements: shape.reduce(1, *)) }
}

/// Writes GGUF v3. Output depends only on the input (same input, same bytes); the file appears under its
/// final name only once complete (written to a temporary name beside it, then renamed).
public enum GGUFWriter {
    public static let alignment = 32

    /// `progress(written, total)` is called after the header and after each tensor.
    public static func write(to path: String, metadata: GGUFMetadata, tensors: [GGUFTensorSource],
                             progress: (_ written: Int64, _ total: Int64) -> Void = { _, _ in }) throws {
        if let value = metadata["general.alignment"], value != .uint32(UInt32(alignment)) {
            throw GLMError(.badValue, path: path, "general.alignment must be \(alignment) for this writer, got \(value)")
        }
        var names = Set<ExactText>()
        for t in tensors {
            guard names.insert(ExactText(t.name)).inserted else { throw GLMError(.badValue, path: path, "tensor \(t.name) given twice") }
            guard (1...GGUFReader.maxDims).contains(t.shape.count), t.shape.allSatisfy({ $0 > 0 }) else {
                throw GLMError(.badValue, path: path, "tensor \(t.name) has an unwritable shape \(t.shape)")
            }
            if t.type.isBlockQuantized, (t.shape.last ?? 0) % t.type.blockElements != 0 {
                throw GLMError(.badValue, path: path, "tensor \(t.name) is \(t.type.rawValue) but its rows of \(t.shape.last ?? 0) are not whole \(t.type.blockElements)-element blocks")
            }
        }

        var header = GGUFEncoder()
        header.u32(GGUFReader.magic)
        header.u32(3)
        header.u64(UInt64(tensors.count))
        header.u64(UInt64(metadata.entries.count))
        for (key, value) in metadata.entries {
            header.string(key)
            header.value(value)
        }
        var offset = 0
        for t in tensors {
            header.string(ExactText(t.name))
            header.u32(UInt32(t.shape.count))
            for d in t.shape.reversed() { header.u64(UInt64(d)) }
            header.u32(GGUFTensorType.code(for: t.type))
            header.u64(UInt64(offset))
            offset += padded(t.byteCount)
        }
        header.pad(to: alignment)
        let total = Int64(header.bytes.count + offset)

        let output = try AtomicFile(finalPath: path)
        do {
            try output.write(header.bytes)
            var written = Int64(header.bytes.count)
            progress(written, total)
            for t in tensors {
                let bytes = try t.bytes()
                guard bytes.count == t.byteCount else {
                    throw GLMError(.badValue, path: path,
                                   "tensor \(t.name): shape \(t.shape) of \(t.type.rawValue) needs \(t.byteCount) bytes, got \(bytes.count)")
                }
                try output.write(bytes)
                let padding = padded(bytes.count) - bytes.count
                if padding > 0 { try output.write([UInt8](repeating: 0, count: padding)) }
                written += Int64(bytes.count + padding)
                progress(written, total)
            }
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
    }

    static func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}

/// Little-endian serialization of GGUF header parts.
struct GGUFEncoder {
    var bytes: [UInt8] = []

    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func fixed<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }

    mutating func string(_ s: ExactText) {
        u64(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    mutating func pad(to alignment: Int) {
        let extra = (alignment - bytes.count % alignment) % alignment
        bytes.append(contentsOf: [UInt8](repeating: 0, count: extra))
    }

    mutating func value(_ v: GGUFValue) {
        u32(v.type.rawValue)
        payload(v)
    }

    private mutating func payload(_ v: GGUFValue) {
        switch v {
        case .uint8(let x): fixed(x)
        case .int8(let x): fixed(x)
        case .uint16(let x): fixed(x)
        case .int16(let x): fixed(x)
        case .uint32(let x): fixed(x)
        case .int32(let x): fixed(x)
        case .uint64(let x): fixed(x)
        case .int64(let x): fixed(x)
        case .float32(let x): fixed(x.bitPattern)
        case .float64(let x): fixed(x.bitPattern)
        case .bool(let x): bytes.append(x ? 1 : 0)
        case .string(let s): string(s)
        case .array(let a): array(a)
        }
    }

    private mutating func array(_ a: GGUFArray) {
        u32(a.elementType.rawValue)
        u64(UInt64(a.count))
        switch a {
        case .uint8(let xs): bytes.append(contentsOf: xs)
        case .int8(let xs): xs.forEach { fixed($0) }
        case .uint16(let xs): xs.forEach { fixed($0) }
        case .int16(let xs): xs.forEach { fixed($0) }
        case .uint32(let xs): xs.forEach { fixed($0) }
        case .int32(let xs): xs.forEach { fixed($0) }
        case .uint64(let xs): xs.forEach { fixed($0) }
        case .int64(let xs): xs.forEach { fixed($0) }
        case .float32(let xs): xs.forEach { fixed($0.bitPattern) }
        case .float64(let xs): xs.forEach { fixed($0.bitPattern) }
        case .bool(let xs): xs.forEach { bytes.append($0 ? 1 : 0) }
        case .string(let xs): xs.forEach { string($0) }
        case .array(let xs): xs.forEach { array($0) }
        }
    }
}
