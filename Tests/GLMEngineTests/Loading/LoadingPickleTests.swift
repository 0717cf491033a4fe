import Foundation
import Testing
@testable import GLMEngine

/// The pickle interpreter: opcodes of every protocol torch uses, and refusal of everything else.
@Suite struct LoadingPickleTests {
    typealias F = LoadingFixtures

    private func run(_ bytes: [UInt8]) throws -> PickleValue {
        try bytes.withUnsafeBytes { try PickleMachine.run($0, path: "test.pkl") }
    }

    @Test func protocol4FileWithParameterAndView() throws {
        let checkpoint = Checkpoint()
        try TorchCheckpointReader.read(path: F.format("pickle/protocol4.bin"), into: checkpoint)
        let a = try checkpoint.tensor("a", in: "")
        #expect(a.shape == [2, 3] && a.type == .f32)
        #expect(a.bytes.withMemoryRebound(to: Float.self) { Array($0) } == [0, 1, 2, 3, 4, 5])
        let b = try checkpoint.tensor("b", in: "")
        #expect(b.shape == [4] && b.type == .f16)
        #expect(b.bytes.withMemoryRebound(to: UInt16.self) { $0.map { Float(Float16(bitPattern: $0)) } } == [0.5, -1, 2, 65504])
        let c = try checkpoint.tensor("c", in: "")
        #expect(c.shape == [5] && c.type == .bf16)
        // storage[3:8] of 0..7: the view starts three elements into its storage.
        #expect(c.bytes.withMemoryRebound(to: UInt16.self) { $0.map { Float(bitPattern: UInt32($0) << 16) } } == [3, 4, 5, 6, 7])
    }

    @Test func scalarAndContainerOpcodes() throws {
        // [None, True, 1.5, -2**40, (1, 2, 3), 'é'] built with EMPTY_LIST, MARK, ..., APPENDS, then DUP/POP.
        var p: [UInt8] = [0x80, 0x02, 0x5D, 0x28, 0x4E, 0x88]
        p += [0x47] + withUnsafeBytes(of: (1.5 as Double).bitPattern.bigEndian, Array.init)
        p += [0x8A, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF]          // LONG1 -2^40
        p += [0x4B, 1, 0x4B, 2, 0x4B, 3, 0x87]                          // TUPLE3
        p += [0x8C, 0x02, 0xC3, 0xA9]                                   // SHORT_BINUNICODE "é"
        p += [0x65, 0x32, 0x30, 0x2E]                                   // APPENDS, DUP, POP, STOP
        guard case .list(let list) = try run(p) else {
            Issue.record("not a list")
            return
        }
        #expect(list.items.count == 6)
        if case .none = list.items[0] {} else { Issue.record("item 0") }
        if case .bool(true) = list.items[1] {} else { Issue.record("item 1") }
        if case .float(1.5) = list.items[2] {} else { Issue.record("item 2") }
        if case .int(-(1 << 40)) = list.items[3] {} else { Issue.record("item 3: \(list.items[3])") }
        if case .tuple(let t) = list.items[4], t.count == 3, case .int(3) = t[2] {} else { Issue.record("item 4") }
        if case .string("é") = list.items[5] {} else { Issue.record("item 5") }
    }

    @Test func unknownOpcodeIsRefused() {
        let error = F.error { _ = try run([0x80, 0x02, 0x7F, 0x2E]) }
        #expect(error?.kind == .unsupported)
        #expect(error?.description == "test.pkl: data.pkl, byte 2: pickle opcode 0x7f is not one a torch state dict uses")
    }

    @Test func globalsOutsideTheStateDictVocabularyAreRefused() {
        // cbuiltins\neval\n — the classic code-execution pickle.
        let pickle: [UInt8] = [0x80, 0x02, 0x63] + Array("builtins\neval\n".utf8) + [0x2E]
        let error = F.error { _ = try run(pickle) }
        #expect(error?.kind == .unsupported)
        #expect(error?.problem.contains("builtins.eval") == true)
        let stackGlobal: [UInt8] = [0x80, 0x04, 0x8C, 0x02] + Array("os".utf8) + [0x8C, 0x06] + Array("system".utf8) + [0x93, 0x2E]
        #expect(F.error { _ = try run(stackGlobal) }?.problem.contains("os.system") == true)
    }

    @Test func truncatedPickleIsAnError() {
        let error = F.error { _ = try run([0x80, 0x02, 0x58, 0x10, 0x00, 0x00, 0x00, 0x61]) }
        #expect(error?.kind == .truncated)
        let noStop = F.error { _ = try run([0x80, 0x02, 0x4E]) }
        #expect(noStop?.kind == .truncated)
    }
}
