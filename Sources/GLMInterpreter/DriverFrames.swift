import GLMConversation

/// Frames between glmchat and the driver: 4 bytes of big-endian length, then JSON. The driver's
/// answers come from inside the sandbox, where the model's code runs, so they are outside bytes:
/// a frame that is too long or not the JSON the driver writes is a protocol error (`GLMError`),
/// and the session kills that Python.
struct DriverFrameReader {
    /// The longest answer accepted (a traceback of a deep recursion is a few hundred KB).
    static let maximumLength = 4 << 20
    private var buffer: [UInt8] = []

    mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame's JSON, or nil until more bytes arrive.
    mutating func next() throws(GLMError) -> JSONValue? {
        guard buffer.count >= 4 else { return nil }
        let length = buffer[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length <= Self.maximumLength else {
            throw GLMError(.badFormat, "the interpreter's driver sent a frame of \(length) bytes (at most \(Self.maximumLength))")
        }
        guard buffer.count >= 4 + length else { return nil }
        let body = buffer[4..<(4 + length)]
        buffer.removeFirst(4 + length)
        do {
            return try JSONValue.parse(bytes: body, source: "the interpreter's driver")
        } catch let error as GLMError {
            throw error
        } catch {
            throw GLMError(.badFormat, "the interpreter's driver sent a frame that is not JSON")
        }
    }

    static func encode(_ value: JSONValue) -> [UInt8] {
        let body = Array(value.pythonDumps().utf8)
        let length = UInt32(truncatingIfNeeded: body.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + body
    }
}

/// A decoded answer of the driver.
enum DriverAnswer: Equatable {
    case ready(version: String)
    case finished(status: Status, traceback: String?)

    enum Status: String {
        case ok, error, interrupted
    }

    init(_ value: JSONValue) throws(GLMError) {
        if let version = value["ready"] {
            guard let text = version.stringValue else { throw Self.bad("ready") }
            self = .ready(version: text)
            return
        }
        guard let statusText = value["status"]?.stringValue, let status = Status(rawValue: statusText) else {
            throw Self.bad("status")
        }
        switch value["traceback"] {
        case nil, .null?:
            self = .finished(status: status, traceback: nil)
        case .string(let text)?:
            self = .finished(status: status, traceback: text)
        default:
            throw Self.bad("traceback")
        }
    }

    private static func bad(_ key: String) -> GLMError {
        GLMError(.badFormat, "the interpreter's driver sent an answer with a bad '\(key)'")
    }
}
