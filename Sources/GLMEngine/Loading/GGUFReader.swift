import Foundation

/// A parsed GGUF file: metadata, and every tensor by its GGUF name with a PyTorch-order shape,
/// its bytes left in the file's mapping.
public struct GGUFContents: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let alignment: Int
    public let metadata: GGUFMetadata
    /// In file order, named as in the file (`blk.0.attn_qkv.weight`).
    public let tensors: [TensorRef]
    /// Owns the bytes every tensor points into.
    public let file: MappedFile
}

/// Reads GGUF v3 (and v2, which has the same layout) as described in ggml's `docs/gguf.md`.
public enum GGUFReader {
    static let magic: UInt32 = 0x4655_4747  // "GGUF" read as a little-endian UInt32
    static let defaultAlignment = 32
    /// ggml tensors have at most four dimensions.
    static let maxDims = 4

    public static func read(path: String) throws -> GGUFContents {
        let file = try MappedFile(path: path)
        var cursor = ByteCursor(file: file)
        guard try cursor.read(UInt32.self, what: "the GGUF magic") == magic else {
            throw GLMError(.badMagic, path: path, "not a GGUF file (the first four bytes are not \"GGUF\")")
        }
        let version = try cursor.read(UInt32.self, what: "the GGUF version")
        if version.byteSwapped == 2 || version.byteSwapped == 3 {
            throw GLMError(.unsupported, path: path, "a big-endian GGUF file; glmchat reads little-endian GGUF only")
        }
        guard version == 2 || version == 3 else {
            throw GLMError(.unsupported, path: path, "GGUF version \(version); glmchat reads versions 2 and 3")
        }
        let tensorCount = try cursor.readCount(what: "the GGUF tensor count")
        let metadataCount = try cursor.readCount(what: "the GGUF metadata count")

        var metadata = GGUFMetadata()
        for i in 0..<metadataCount {
            let key = try readText(&cursor, what: "the key of metadata entry \(i)")
            let rawType = try cursor.read(UInt32.self, what: "the type of metadata \(key)")
            let value = try readValue(&cursor, rawType: rawType, key: key, depth: 0)
            guard metadata[key] == nil else {
                throw GLMError(.badFormat, path: path, "metadata key \(key) appears twice")
            }
            metadata[key] = value
        }
        let alignment = try readAlignment(metadata, path: path)

        var infos: [(name: String, shape: [Int], type: StorageType, offset: Int)] = []
        var seen = Set<ExactText>()
        for i in 0..<tensorCount {
            let text = try readText(&cursor, what: "the name of tensor \(i)")
            let name = text.string
            guard seen.insert(text).inserted else {
                throw GLMError(.badFormat, path: path, "tensor \(name) appears twice")
            }
            let dimCount = Int(try cursor.read(UInt32.self, what: "the dimension count of tensor \(name)"))
            guard (1...maxDims).contains(dimCount) else {
                throw GLMError(.badFormat, path: path, "tensor \(name) has \(dimCount) dimensions (1 to \(maxDims) allowed)")
            }
            var ggufDims: [Int] = []
            for _ in 0..<dimCount {
                ggufDims.append(try cursor.readCount(what: "a dimension of tensor \(name)"))
            }
            let code = try cursor.read(UInt32.self, what: "the type of tensor \(name)")
            guard let type = GGUFTensorType.storageType(code: code) else {
                throw GLMError(.unsupported, path: path,
                               "tensor \(name) has type \(GGUFTensorType.name(code: code)); glmchat reads \(GGUFTensorType.supportedNames)")
            }
            let offset = try cursor.readCount(what: "the data offset of tensor \(name)")
            guard offset % alignment == 0 else {
                throw GLMError(.badFormat, path: path, "tensor \(name) starts at offset \(offset), not a multiple of the alignment \(alignment)")
            }
            if ggufDims[0] % type.blockElements != 0 {
                throw GLMError(.badFormat, path: path, "tensor \(name) is \(type.rawValue) but its rows of \(ggufDims[0]) are not whole \(type.blockElements)-element blocks")
            }
            infos.append((name, Array(ggufDims.reversed()), type, offset))
        }

        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        var tensors: [TensorRef] = []
        for info in infos {
            let (count, overflow) = info.shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, count <= ByteCursor.plausibleLimit else {
                throw GLMError(.badFormat, path: path, "tensor \(info.name) has an impossible shape \(info.shape)")
            }
            let start = dataStart + info.offset
            let bytes = try file.bytes(start..<(start + info.type.byteCount(elements: count)),
                                       what: "the data of tensor \(info.name)")
            tensors.append(TensorRef(name: info.name, shape: info.shape, type: info.type, bytes: bytes, path: path))
        }
        return GGUFContents(path: path, version: version, alignment: alignment, metadata: metadata,
                            tensors: tensors, file: file)
    }

    private static func readAlignment(_ metadata: GGUFMetadata, path: String) throws -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        guard case .uint32(let raw) = value, raw > 0, raw.nonzeroBitCount == 1 else {
            throw GLMError(.badFormat, path: path, "general.alignment must be a power-of-two uint32, got \(value)")
        }
        return Int(raw)
    }

    /// A GGUF string, kept byte for byte (its bytes must be UTF-8).
    static func readText(_ cursor: inout ByteCursor, what: String) throws -> ExactText {
        let length = try cursor.readCount(what: "the length of \(what)")
        let bytes = try cursor.bytes(length, what: what)
        guard let text = ExactText(validatingUTF8: bytes) else {
            throw GLMError(.badFormat, path: cursor.file.path, "\(what) is not valid UTF-8")
        }
        return text
    }

    private static func readValue(_ cursor: inout ByteCursor, rawType: UInt32, key: ExactText, depth: Int) throws -> GGUFValue {
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw GLMError(.badFormat, path: cursor.file.path, "metadata \(key) has unknown value type \(rawType)")
        }
        let what = "the value of metadata \(key)"
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, what: what))
        case .int8: return .int8(try cursor.read(Int8.self, what: what))
        case .uint16: return .uint16(try cursor.read(UInt16.self, what: what))
        case .int16: return .int16(try cursor.read(Int16.self, what: what))
        case .uint32: return .uint32(try cursor.read(UInt32.self, what: what))
        case .int32: return .int32(try cursor.read(Int32.self, what: what))
        case .float32: return .float32(try cursor.readFloat(what: what))
        case .uint64: return .uint64(try cursor.read(UInt64.self, what: what))
        case .int64: return .int64(try cursor.read(Int64.self, what: what))
        case .float64: return .float64(try cursor.readDouble(what: what))
        case .bool:
            let byte = try cursor.read(UInt8.self, what: what)
            guard byte <= 1 else { throw GLMError(.badFormat, path: cursor.file.path, "metadata \(key) is a bool stored as \(byte)") }
            return .bool(byte == 1)
        case .string: return .string(try readText(&cursor, what: what))
        case .array: return .array(try readArray(&cursor, key: key, depth: depth))
        }
    }

    private static func readArray(_ cursor: inout ByteCursor, key: ExactText, depth: Int) throws -> GGUFArray {
        let path = cursor.file.path
        guard depth < 8 else { throw GLMError(.badFormat, path: path, "metadata \(key) nests arrays too deeply") }
        let rawType = try cursor.read(UInt32.self, what: "the element type of metadata \(key)")
        guard let type = GGUFValueType(rawValue: rawType) else {
            throw GLMError(.badFormat, path: path, "metadata \(key) is an array of unknown type \(rawType)")
        }
        let count = try cursor.readCount(what: "the length of metadata \(key)")
        let what = "the elements of metadata \(key)"
        func fixed<T: FixedWidthInteger>(_: T.Type) throws -> [T] {
            let size = MemoryLayout<T>.size
            guard count <= cursor.remaining / size else {
                throw GLMError(.truncated, path: path,
                               "file ends at byte \(cursor.file.size) but \(what) need \(count * size) bytes from byte \(cursor.offset)")
            }
            let bytes = try cursor.bytes(count * size, what: what)
            return (0..<count).map { T(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * size, as: T.self)) }
        }
        switch type {
        case .uint8: return .uint8(try fixed(UInt8.self))
        case .int8: return .int8(try fixed(Int8.self))
        case .uint16: return .uint16(try fixed(UInt16.self))
        case .int16: return .int16(try fixed(Int16.self))
        case .uint32: return .uint32(try fixed(UInt32.self))
        case .int32: return .int32(try fixed(Int32.self))
        case .uint64: return .uint64(try fixed(UInt64.self))
        case .int64: return .int64(try fixed(Int64.self))
        case .float32: return .float32(try fixed(UInt32.self).map(Float.init(bitPattern:)))
        case .float64: return .float64(try fixed(UInt64.self).map(Double.init(bitPattern:)))
        case .bool:
            let raw = try fixed(UInt8.self)
            guard raw.allSatisfy({ $0 <= 1 }) else { throw GLMError(.badFormat, path: path, "metadata \(key) has a bool that is not 0 or 1") }
            return .bool(raw.map { $0 == 1 })
        case .string:
            // Each string takes at least its 8-byte length, so a bogus count fails here, not after a huge allocation.
            guard count <= cursor.remaining / 8 else {
                throw GLMError(.truncated, path: path, "file ends at byte \(cursor.file.size) but metadata \(key) claims \(count) strings")
            }
            var strings: [ExactText] = []
            strings.reserveCapacity(count)
            for i in 0..<count { strings.append(try readText(&cursor, what: "element \(i) of metadata \(key)")) }
            return .string(strings)
        case .array:
            guard count <= cursor.remaining / 12 else {
                throw GLMError(.truncated, path: path, "file ends at byte \(cursor.file.size) but metadata \(key) claims \(count) arrays")
            }
            var arrays: [GGUFArray] = []
            for _ in 0..<count { arrays.append(try readArray(&cursor, key: key, depth: depth + 1)) }
            return .array(arrays)
        }
    }
}
