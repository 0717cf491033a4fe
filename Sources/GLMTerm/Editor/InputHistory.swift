/// Sent inputs, walked with Up/Down from an empty input (newest first).
public struct InputHistory: Equatable, Sendable {
    public private(set) var entries: [String] = []
    /// Position while walking: an index into `entries`, nil when not walking.
    public private(set) var position: Int?
    public let limit: Int

    public init(entries: [String] = [], limit: Int = 500) {
        self.entries = Array(entries.suffix(limit))
        self.limit = limit
    }

    public var isWalking: Bool { position != nil }

    public mutating func record(_ entry: String) {
        position = nil
        guard !entry.isEmpty, entries.last != entry else { return }
        entries.append(entry)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
    }

    /// The entry before the one shown (or the newest), nil when there is none.
    public mutating func older() -> String? {
        guard !entries.isEmpty else { return nil }
        let next = (position ?? entries.count) - 1
        guard next >= 0 else { return nil }
        position = next
        return entries[next]
    }

    /// The entry after the one shown; "" when walking past the newest (back to an empty input).
    public mutating func newer() -> String? {
        guard let current = position else { return nil }
        if current + 1 >= entries.count {
            position = nil
            return ""
        }
        position = current + 1
        return entries[current + 1]
    }

    public mutating func stopWalking() { position = nil }
}
