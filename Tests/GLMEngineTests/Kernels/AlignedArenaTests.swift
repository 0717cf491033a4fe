import Foundation
import Testing
@testable import GLMEngine

/// The arena the load-time packing draws from: pieces one after another in a slab, 64-byte aligned,
/// never overlapping; a new slab when the rest is too small; a piece larger than a slab on its own.
@Suite("Kernels: the arena for packed matrices")
struct AlignedArenaTests {
    @Test("pieces follow one another in a slab, aligned, until one does not fit")
    func piecesShareASlab() {
        let arena = AlignedArena(slabBytes: 4096)
        let a = arena.allocate(100), b = arena.allocate(1000), c = arena.allocate(1)
        #expect(a.owner === b.owner && b.owner === c.owner)
        #expect(b.pointer - a.pointer == 128 && c.pointer - b.pointer == 1024)
        for piece in [a, b, c] { #expect(Int(bitPattern: piece.pointer) % 64 == 0) }
        // 4096 - 1216 = 2880 bytes left: 3000 starts a new slab
        let d = arena.allocate(3000)
        #expect(d.owner !== a.owner && d.owner.byteCount == 4096)
        let e = arena.allocate(1000)
        #expect(e.owner === d.owner, "the rest of the new slab is used next")
        #expect(e.pointer - d.pointer == 3008)
    }

    @Test("a piece larger than a slab gets a buffer of its own size, and writing every byte of each piece is safe")
    func largePieces() {
        let arena = AlignedArena(slabBytes: 4096)
        let big = arena.allocate(10_000)
        #expect(big.owner.byteCount == 10_048)
        big.pointer.initializeMemory(as: UInt8.self, repeating: 7, count: 10_000)
        let next = arena.allocate(64)
        #expect(next.owner !== big.owner, "the big piece fills its buffer")
        next.pointer.initializeMemory(as: UInt8.self, repeating: 9, count: 64)
        #expect(big.pointer.load(fromByteOffset: 9_999, as: UInt8.self) == 7)
    }
}
