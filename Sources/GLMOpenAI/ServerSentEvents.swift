/// Reads a server-sent event stream as it arrives: bytes in, the `data` of each complete event out
/// (several `data:` lines of one event joined with "\n"; comments and other fields skipped). Lines
/// may end in "\n", "\r\n" or "\r"; an event ends at an empty line.
public struct ServerSentEventReader: Sendable {
    private var line: [UInt8] = []
    private var data: [String] = []
    private var sawCarriageReturn = false
    /// The most bytes one line may hold; a longer one is an error (a server gone wrong).
    public static let maximumLineBytes = 16 * 1024 * 1024

    public init() {}

    public struct LineTooLong: Error {}

    /// Feeds bytes; returns the events they completed.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [String] {
        var events: [String] = []
        for byte in bytes {
            if sawCarriageReturn {
                sawCarriageReturn = false
                if byte == 0x0A { continue }
            }
            if byte == 0x0A || byte == 0x0D {
                sawCarriageReturn = byte == 0x0D
                if let event = endLine() { events.append(event) }
            } else {
                guard line.count < Self.maximumLineBytes else { throw LineTooLong() }
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> String? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            guard !data.isEmpty else { return nil }
            defer { data.removeAll() }
            return data.joined(separator: "\n")
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasBytePrefix("data:") else { return nil }
        var value = text.dropFirst(5)
        if value.first == " " { value = value.dropFirst() }
        data.append(String(value))
        return nil
    }
}
