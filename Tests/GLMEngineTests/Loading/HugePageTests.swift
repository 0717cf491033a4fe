import Foundation
import Testing
@testable import GLMEngine

/// Putting a mapped file's page cache in 2 MB pages: whatever the kernel does, the mapping keeps its
/// address and its bytes, and the report adds up.
@Suite("Loading: weights in 2 MB pages")
struct HugePageTests {
    /// A freshly written 16 MB file (the page cache holds what was written, in whatever pages the
    /// write path made) with a byte pattern that shows any page read from the wrong place.
    static func writtenFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-huge-\(UUID().uuidString).bin").path
        var bytes = [UInt8](repeating: 0, count: 16 << 20)
        bytes.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 13) }
        }
        // in 4 KB writes, as a copy or a download writes: the page cache then tends to hold 4 KB folios
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw GLMError(.unreadable, path: path, "cannot create the test file")
        }
        defer { try? handle.close() }
        for offset in stride(from: 0, to: bytes.count, by: 4096) { try handle.write(contentsOf: bytes[offset..<(offset + 4096)]) }
        return path
    }

    static func checksum(_ file: MappedFile) throws -> UInt64 {
        let bytes = try file.bytes(0..<file.size, what: "the test file")
        var sum: UInt64 = 0
        for i in stride(from: 0, to: bytes.count, by: 257) { sum = sum &* 31 &+ UInt64(bytes[i]) }
        for i in stride(from: 4095, to: bytes.count, by: 4096) { sum = sum &* 31 &+ UInt64(bytes[i]) }
        return sum
    }

    @Test("a re-read keeps the address and every byte; the report says what is in 2 MB pages")
    func rereadKeepsContents() throws {
        let path = try Self.writtenFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try MappedFile(path: path)
        let address = file.base
        let before = try Self.checksum(file)   // also touches every page
        let coverage = try #require(file.hugePageCoverage(), "/proc/self/smaps lists the mapping")
        #expect(coverage.resident >= file.size / 10 * 9)
        let report = try #require(try file.settleInHugePages(minimumBytes: 0))
        #expect(file.base == address)
        #expect(try Self.checksum(file) == before)
        #expect(report.resident == coverage.resident)
        #expect(report.hugeBefore == coverage.huge)
        #expect(report.hugeAfter <= file.size)
        if report.reread { #expect(report.hugeAfter >= report.hugeBefore) }
        #expect(file.hugePageCoverage()?.huge == report.hugeAfter)
        // a second call finds the file as the first left it and reads nothing again once it is in 2 MB pages
        let again = try #require(try file.settleInHugePages(minimumBytes: 0))
        if report.hugeAfter >= file.size / 10 * 9 { #expect(!again.reread) }
        #expect(try Self.checksum(file) == before)
    }

    @Test("small files and files not yet read are left alone")
    func smallOrUnreadFiles() throws {
        let path = try Self.writtenFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try MappedFile(path: path)
        #expect(try file.settleInHugePages() == nil, "16 MB is below the default minimum")
        #expect(try file.settleInHugePages(minimumBytes: 0) == nil, "no page of it has been read through this mapping yet")
    }
}
