import Foundation

/// A minimal pickle interpreter for torch state dicts (protocols 2 to 5, the opcodes torch.save emits).
/// Unknown opcodes and globals are errors: it builds data, it never calls anything by its own choice.
struct PickleMachine {
    private let data: UnsafeRawBufferPointer
    private let path: String
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    /// Runs the pickle in `data` (the `data.pkl` of a torch archive in `path`) to its STOP.
    static func run(_ data: UnsafeRawBufferPointer, path: String) throws -> PickleValue {
        var machine = PickleMachine(data: data, path: path)
        return try machine.run()
    }

    private init(data: UnsafeRawBufferPointer, path: String) {
        self.data = data
        self.path = path
    }

    private func fail(_ problem: String) -> GLMError {
        GLMError(.badFormat, path: path, "data.pkl, byte \(position): \(problem)")
    }

    private mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= data.count - position else {
            throw GLMError(.truncated, path: path, "data.pkl is cut short at byte \(data.count), before its STOP")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: data[position..<(position + count)])
    }

    private mutating func int<T: FixedWidthInteger>(_: T.Type) throws -> T {
        T(littleEndian: try take(MemoryLayout<T>.size).loadUnaligned(as: T.self))
    }

    private mutating func line() throws -> String {
        guard let end = data[position...].firstIndex(of: 0x0A) else {
            throw GLMError(.truncated, path: path, "data.pkl ends inside a GLOBAL name")
        }
        guard let text = String(validating: try take(end - position), as: UTF8.self) else {
            throw fail("a GLOBAL name is not valid UTF-8")
        }
        position += 1
        return text
    }

    private mutating func utf8(_ count: Int) throws -> PickleValue {
        guard let s = String(validating: try take(count), as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
        return .string(s)
    }

    private mutating func pop() throws -> PickleValue {
        guard let top = stack.popLast() else { throw fail("the pickle stack is empty") }
        return top
    }

    private mutating func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw fail("no MARK to pop to") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private mutating func global(module: String, name: String) throws -> PickleValue {
        guard let g = PickleGlobal(module: module, name: name) else {
            throw GLMError(.unsupported, path: path,
                           "the pickle asks for \(module).\(name), which is not part of a plain tensor state dict; refusing to load it")
        }
        return .global(g)
    }

    private mutating func memoize(_ index: Int) throws {
        guard let top = stack.last else { throw fail("nothing to memoize") }
        memo[index] = top
    }

    private func recall(_ index: Int) throws -> PickleValue {
        guard let value = memo[index] else { throw fail("memo entry \(index) was never stored") }
        return value
    }

    private mutating func run() throws -> PickleValue {
        while true {
            let op = try take(1)[0]
            switch op {
            case 0x80: _ = try take(1)                            // PROTO
            case 0x95: _ = try take(8)                            // FRAME: framing only
            case 0x2E: return try pop()                           // STOP
            case 0x28: marks.append(stack.count)                  // MARK
            case 0x7D: stack.append(.dict(PickleDict()))          // EMPTY_DICT
            case 0x5D: stack.append(.list(PickleList()))          // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))                   // EMPTY_TUPLE
            case 0x4E: stack.append(.none)                        // NONE
            case 0x88: stack.append(.bool(true))                  // NEWTRUE
            case 0x89: stack.append(.bool(false))                 // NEWFALSE
            case 0x4B: stack.append(.int(Int(try int(UInt8.self))))   // BININT1
            case 0x4D: stack.append(.int(Int(try int(UInt16.self))))  // BININT2
            case 0x4A: stack.append(.int(Int(try int(Int32.self))))   // BININT
            case 0x8A: stack.append(.int(try long(Int(try int(UInt8.self)))))  // LONG1
            case 0x47:                                                          // BINFLOAT (big-endian)
                stack.append(.float(Double(bitPattern: UInt64(bigEndian: try take(8).loadUnaligned(as: UInt64.self)))))
            case 0x58: stack.append(try utf8(Int(try int(UInt32.self))))        // BINUNICODE
            case 0x8C: stack.append(try utf8(Int(try int(UInt8.self))))         // SHORT_BINUNICODE
            case 0x8D: stack.append(try utf8(try count64()))                    // BINUNICODE8
            case 0x43: stack.append(.bytes(Array(try take(Int(try int(UInt8.self))))))   // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(Array(try take(Int(try int(UInt32.self))))))  // BINBYTES
            case 0x63: stack.append(try global(module: try line(), name: try line()))   // GLOBAL
            case 0x93:                                                                    // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard case .string(let n) = name, case .string(let m) = module else { throw fail("STACK_GLOBAL needs two strings") }
                stack.append(try global(module: m, name: n))
            case 0x51: stack.append(try persistentLoad(try pop()))   // BINPERSID
            case 0x74: stack.append(.tuple(try popMark()))           // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))             // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))            // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x52:                                               // REDUCE
                let args = try pop(), callable = try pop()
                stack.append(try TorchReduce.call(callable, args, path: path))
            case 0x62:                                               // BUILD
                // The state is an OrderedDict's `_metadata` attribute: not needed to load tensors.
                _ = try pop()
                guard case .dict = stack.last else {
                    throw fail("BUILD on a \(stack.last?.kind ?? "nothing"); only dicts carry state here")
                }
            case 0x73:                                               // SETITEM
                let value = try pop(), key = try pop()
                try dictOnTop().items.append((key, value))
            case 0x75:                                               // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items") }
                let dict = try dictOnTop()
                for i in stride(from: 0, to: items.count, by: 2) { dict.items.append((items[i], items[i + 1])) }
            case 0x61:                                               // APPEND
                let value = try pop()
                try listOnTop().items.append(value)
            case 0x65:                                               // APPENDS
                let items = try popMark()
                try listOnTop().items.append(contentsOf: items)
            case 0x30: _ = try pop()                                 // POP
            case 0x31: _ = try popMark()                             // POP_MARK
            case 0x32:                                               // DUP
                guard let top = stack.last else { throw fail("DUP on an empty stack") }
                stack.append(top)
            case 0x71: try memoize(Int(try int(UInt8.self)))         // BINPUT
            case 0x72: try memoize(Int(try int(UInt32.self)))        // LONG_BINPUT
            case 0x94: try memoize(memo.count)                       // MEMOIZE
            case 0x68: stack.append(try recall(Int(try int(UInt8.self))))    // BINGET
            case 0x6A: stack.append(try recall(Int(try int(UInt32.self))))   // LONG_BINGET
            default:
                throw GLMError(.unsupported, path: path,
                               "data.pkl, byte \(position - 1): pickle opcode 0x\(String(op, radix: 16)) is not one a torch state dict uses")
            }
        }
    }

    private mutating func count64() throws -> Int {
        let n = try int(UInt64.self)
        guard n <= UInt64(data.count) else { throw GLMError(.truncated, path: path, "data.pkl ends inside a string") }
        return Int(n)
    }

    /// LONG1: a little-endian two's-complement integer of `count` bytes (at most 8 here).
    private mutating func long(_ count: Int) throws -> Int {
        guard count <= 8 else { throw fail("an integer of \(count) bytes is too large") }
        let bytes = try take(count)
        var value: UInt64 = 0
        for (i, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        if count > 0, count < 8, bytes[count - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }
        return Int(Int64(bitPattern: value))
    }

    private func dictOnTop() throws -> PickleDict {
        guard case .dict(let d) = stack.last else { throw fail("SETITEM(S) on a \(stack.last?.kind ?? "nothing"), not a dict") }
        return d
    }

    private func listOnTop() throws -> PickleList {
        guard case .list(let l) = stack.last else { throw fail("APPEND(S) on a \(stack.last?.kind ?? "nothing"), not a list") }
        return l
    }

    /// torch's persistent ids: `('storage', StorageType, key, location, numel)`.
    private func persistentLoad(_ pid: PickleValue) throws -> PickleValue {
        guard case .tuple(let parts) = pid, parts.count == 5, case .string(let tag) = parts[0], tag.isByteEqual(to: "storage"),
              case .global(.storageType(let typeName)) = parts[1], case .string(let key) = parts[2],
              case .int(let count) = parts[4], count >= 0 else {
            throw fail("a persistent id that is not a torch storage ('storage', type, key, location, numel)")
        }
        return .storage(TorchStorage(typeName: typeName, key: key, elementCount: count))
    }
}
