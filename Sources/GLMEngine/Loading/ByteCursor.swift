import Foundation

/// Reads little-endian values one after another from a byte range of a mapped file. Every read is
/// bounds-checked, so a truncated file becomes a `truncated` error saying what was being read.
struct ByteCursor {
    let file: MappedFile
    private(set) var offset: Int
    /// Reads stop here (the end of the file, or of a region such as a ZIP entry).
    let end: Int

    init(file: MappedFile, offset: Int = 0, end: Int? = nil) {
        self.file = file
        self.offset = offset
        self.end = min(end ?? file.size, file.size)
    }

    var remaining: Int { end - offset }

    mutating func bytes(_ count: Int, what: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= end - offset else {
            if count >= 0, offset + count <= file.size {
                throw GLMError(.badFormat, path: file.path,
                               "\(what) runs past the end of its region (byte \(end))")
            }
            throw GLMError(.truncated, path: file.path,
                           "file ends at byte \(file.size) but \(what) needs bytes \(offset)..<\(offset &+ count)")
        }
        let buffer = try file.bytes(offset..<(offset + count), what: what)
        offset += count
        return buffer
    }

    mutating func skip(_ count: Int, what: String) throws { _ = try bytes(count, what: what) }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, what: String) throws -> T {
        T(littleEndian: try bytes(MemoryLayout<T>.size, what: what).loadUnaligned(as: T.self))
    }

    mutating func readFloat(what: String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what: what))
    }

    mutating func readDouble(what: String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what: what))
    }

    /// Beyond any real file: a larger length or offset means corrupt data, not a file cut short.
    static let plausibleLimit = 1 << 50

    /// A length, count or offset stored as an unsigned 64-bit number. Whether the bytes it promises exist
    /// is left to the reads that follow, so a truncated file is reported as truncated.
    mutating func readCount(what: String) throws -> Int {
        let value = try read(UInt64.self, what: what)
        guard value <= UInt64(Self.plausibleLimit) else {
            throw GLMError(.badFormat, path: file.path, "\(what) is \(value), which no model file could hold")
        }
        return Int(value)
    }

    mutating func seek(to position: Int) { offset = position }
}
