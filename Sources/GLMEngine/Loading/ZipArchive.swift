import Foundation

/// The entries of a ZIP archive (as `torch.save` writes them), found through the central directory.
/// Only STORED (uncompressed) entries can be read in place from the mapping; others are refused.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let size: Int
        let localHeaderOffset: Int
    }

    let file: MappedFile
    /// By name, matched byte for byte.
    let entries: [ExactText: Entry]

    private static let endSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EndSignature: UInt32 = 0x0606_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    init(file: MappedFile) throws {
        self.file = file
        let path = file.path
        guard file.size >= 22 else {
            throw GLMError(.truncated, path: path, "the file has only \(file.size) bytes, too few for a PyTorch (ZIP) checkpoint")
        }
        guard try file.bytes(0..<4, what: "the ZIP signature").loadUnaligned(as: UInt32.self) == Self.localSignature else {
            throw GLMError(.badMagic, path: path,
                           "not a PyTorch checkpoint in ZIP format (torch.save since 1.6); older pickle-only .bin files are not supported")
        }
        let endOffset = try Self.findEndRecord(file)
        var end = ByteCursor(file: file, offset: endOffset + 4)
        try end.skip(4, what: "the ZIP end record")  // this disk, disk with the central directory
        _ = try end.read(UInt16.self, what: "the ZIP end record")
        var count = Int(try end.read(UInt16.self, what: "the ZIP entry count"))
        var directorySize = Int(try end.read(UInt32.self, what: "the ZIP central directory size"))
        var directoryOffset = Int(try end.read(UInt32.self, what: "the ZIP central directory offset"))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            (count, directorySize, directoryOffset) = try Self.readZip64End(file, endOffset: endOffset)
        }
        guard directoryOffset <= file.size, directorySize <= file.size - directoryOffset else {
            throw GLMError(.truncated, path: path,
                           "the ZIP central directory (bytes \(directoryOffset)..<\(directoryOffset + directorySize)) lies past the end of the file (\(file.size) bytes)")
        }
        var cursor = ByteCursor(file: file, offset: directoryOffset, end: directoryOffset + directorySize)
        var entries: [ExactText: Entry] = [:]
        for _ in 0..<count {
            let entry = try Self.readCentralEntry(&cursor)
            guard entries.updateValue(entry, forKey: ExactText(entry.name)) == nil else {
                throw GLMError(.badFormat, path: path, "archive entry \(entry.name) appears twice")
            }
        }
        self.entries = entries
    }

    subscript(name: String) -> Entry? { entries[ExactText(name)] }

    /// The bytes of a stored entry, in place.
    func contents(of entry: Entry) throws -> UnsafeRawBufferPointer {
        guard entry.method == 0 else {
            let method = entry.method == 8 ? "deflate" : "method \(entry.method)"
            throw GLMError(.unsupported, path: file.path,
                           "archive entry \(entry.name) is compressed (\(method)); only uncompressed (stored) entries, as torch.save writes them, can be memory-mapped")
        }
        var local = ByteCursor(file: file, offset: entry.localHeaderOffset)
        guard try local.read(UInt32.self, what: "the local header of \(entry.name)") == Self.localSignature else {
            throw GLMError(.badFormat, path: file.path, "archive entry \(entry.name) has no local header at byte \(entry.localHeaderOffset)")
        }
        try local.skip(22, what: "the local header of \(entry.name)")
        let nameLength = Int(try local.read(UInt16.self, what: "the local header of \(entry.name)"))
        let extraLength = Int(try local.read(UInt16.self, what: "the local header of \(entry.name)"))
        try local.skip(nameLength + extraLength, what: "the local header of \(entry.name)")
        return try local.bytes(entry.size, what: "archive entry \(entry.name)")
    }

    private static func findEndRecord(_ file: MappedFile) throws -> Int {
        // The end record is 22 bytes plus a comment of at most 65535 bytes, and ends the file; a signature
        // whose comment length does not reach exactly the end is tensor data that happens to match.
        let lowest = max(0, file.size - 22 - 0xFFFF)
        var position = file.size - 22
        while position >= lowest {
            let record = try file.bytes(position..<(position + 22), what: "the ZIP end record")
            if record.loadUnaligned(as: UInt32.self) == endSignature,
               position + 22 + Int(UInt16(littleEndian: record.loadUnaligned(fromByteOffset: 20, as: UInt16.self))) == file.size {
                return position
            }
            position -= 1
        }
        throw GLMError(.truncated, path: file.path,
                       "the archive is cut short: it starts like a PyTorch (ZIP) checkpoint but its \(file.size) bytes end without the ZIP end-of-central-directory record")
    }

    private static func readZip64End(_ file: MappedFile, endOffset: Int) throws -> (Int, Int, Int) {
        var locator = ByteCursor(file: file, offset: endOffset - 20)
        guard endOffset >= 20, try locator.read(UInt32.self, what: "the ZIP64 locator") == zip64LocatorSignature else {
            throw GLMError(.badFormat, path: file.path, "the ZIP end record asks for ZIP64 but there is no ZIP64 locator")
        }
        try locator.skip(4, what: "the ZIP64 locator")
        let recordOffset = try locator.readCount(what: "the ZIP64 end record offset")
        var record = ByteCursor(file: file, offset: recordOffset)
        guard try record.read(UInt32.self, what: "the ZIP64 end record") == zip64EndSignature else {
            throw GLMError(.badFormat, path: file.path, "no ZIP64 end record at byte \(recordOffset)")
        }
        try record.skip(8 + 2 + 2 + 4 + 4 + 8, what: "the ZIP64 end record")
        let count = try record.readCount(what: "the ZIP64 entry count")
        let size = try record.readCount(what: "the ZIP64 central directory size")
        let offset = try record.readCount(what: "the ZIP64 central directory offset")
        return (count, size, offset)
    }

    private static func readCentralEntry(_ cursor: inout ByteCursor) throws -> Entry {
        let path = cursor.file.path
        let what = "a ZIP central directory entry"
        guard try cursor.read(UInt32.self, what: what) == centralSignature else {
            throw GLMError(.badFormat, path: path, "the ZIP central directory is corrupt at byte \(cursor.offset - 4)")
        }
        try cursor.skip(4, what: what)  // versions
        let flags = try cursor.read(UInt16.self, what: what)
        let method = try cursor.read(UInt16.self, what: what)
        try cursor.skip(8, what: what)  // time, date, crc
        var compressedSize = UInt64(try cursor.read(UInt32.self, what: what))
        var size = UInt64(try cursor.read(UInt32.self, what: what))
        let nameLength = Int(try cursor.read(UInt16.self, what: what))
        let extraLength = Int(try cursor.read(UInt16.self, what: what))
        let commentLength = Int(try cursor.read(UInt16.self, what: what))
        let disk = try cursor.read(UInt16.self, what: what)
        try cursor.skip(6, what: what)  // attributes
        var localOffset = UInt64(try cursor.read(UInt32.self, what: what))
        let nameBytes = try cursor.bytes(nameLength, what: what)
        guard let name = String(validating: nameBytes, as: UTF8.self) else {
            throw GLMError(.badFormat, path: path, "a ZIP entry name is not valid UTF-8")
        }
        var extra = ByteCursor(file: cursor.file, offset: cursor.offset, end: cursor.offset + extraLength)
        try cursor.skip(extraLength + commentLength, what: what)
        while extra.remaining >= 4 {
            let id = try extra.read(UInt16.self, what: "the extra fields of \(name)")
            let length = Int(try extra.read(UInt16.self, what: "the extra fields of \(name)"))
            guard id == 0x0001 else {
                try extra.skip(length, what: "the extra fields of \(name)")
                continue
            }
            // ZIP64 extra: only the fields whose 32-bit slot is saturated are present, in this order.
            var field = ByteCursor(file: cursor.file, offset: extra.offset, end: extra.offset + length)
            if size == 0xFFFF_FFFF { size = try field.read(UInt64.self, what: "the ZIP64 size of \(name)") }
            if compressedSize == 0xFFFF_FFFF { compressedSize = try field.read(UInt64.self, what: "the ZIP64 size of \(name)") }
            if localOffset == 0xFFFF_FFFF { localOffset = try field.read(UInt64.self, what: "the ZIP64 offset of \(name)") }
            try extra.skip(length, what: "the extra fields of \(name)")
        }
        guard flags & 1 == 0 else { throw GLMError(.unsupported, path: path, "archive entry \(name) is encrypted") }
        guard disk == 0 || disk == 0xFFFF else { throw GLMError(.unsupported, path: path, "multi-disk ZIP archives are not supported") }
        guard method != 0 || compressedSize == size else {
            throw GLMError(.badFormat, path: path, "stored archive entry \(name) has different stored and real sizes")
        }
        guard size <= UInt64(cursor.file.size), localOffset <= UInt64(cursor.file.size) else {
            throw GLMError(.truncated, path: path, "archive entry \(name) lies past the end of the file (\(cursor.file.size) bytes)")
        }
        return Entry(name: name, method: method, size: Int(size), localHeaderOffset: Int(localOffset))
    }
}
