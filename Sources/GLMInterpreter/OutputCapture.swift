/// Long output keeps its head and its tail, with a marked cut between them.
enum HeadTail {
    /// `text` when it has at most `limit` characters; else its first and last `limit / 2`
    /// characters around a line naming how many bytes were left out, counting the
    /// `alreadyCutBytes` a capture dropped before `text` was built (its own mark is then cut too).
    static func cut(_ text: String, limit: Int, alreadyCutBytes: Int = 0) -> String {
        guard text.count > limit else { return text }
        let head = String(text.prefix(max(limit / 2, 0)))
        let tail = String(text.suffix(max(limit - limit / 2, 0)))
        let omitted = text.utf8.count - head.utf8.count - tail.utf8.count + alreadyCutBytes
        return head + "\n" + marker(omitted) + "\n" + tail
    }

    static func marker(_ bytes: Int) -> String {
        "[... \(bytes) bytes of output cut ...]"
    }
}

/// The bytes one stream (stdout or stderr) wrote during a block: the first and last `keep` bytes,
/// and how many in all. The middle of longer output is dropped as it arrives, so a block printing
/// gigabytes costs no memory.
struct OutputCapture {
    let keep: Int
    private(set) var head: [UInt8] = []
    private var tail: [UInt8] = []
    /// Index in `tail` of its oldest byte once the ring is full.
    private var tailStart = 0
    private(set) var total = 0

    init(keep: Int) {
        self.keep = max(keep, 1)
    }

    mutating func append(_ bytes: some Collection<UInt8>) {
        var rest = bytes[...]
        total += rest.count
        let headRoom = keep - head.count
        if headRoom > 0 {
            head.append(contentsOf: rest.prefix(headRoom))
            rest = rest.dropFirst(headRoom)
        }
        // Only the last `keep` bytes can end up in the tail.
        if rest.count > keep { rest = rest.suffix(keep) }
        let tailRoom = keep - tail.count
        if tailRoom > 0 {
            tail.append(contentsOf: rest.prefix(tailRoom))
            rest = rest.dropFirst(tailRoom)
        }
        for byte in rest {
            tail[tailStart] = byte
            tailStart = (tailStart + 1) % keep
        }
    }

    /// How many bytes were dropped from the middle.
    var droppedBytes: Int { total - head.count - tail.count }

    /// The captured text (invalid UTF-8 replaced); a cut is marked where the bytes went missing.
    var text: String {
        let ordered = Array(tail[tailStart...] + tail[..<tailStart])
        if droppedBytes == 0 { return String(decoding: head + ordered, as: UTF8.self) }
        return String(decoding: head, as: UTF8.self) + "\n" + HeadTail.marker(droppedBytes) + "\n"
            + String(decoding: ordered, as: UTF8.self)
    }
}

/// Finds the end marker the driver writes to a stream after a block, across reads: bytes before
/// it are output, the marker and anything after it are not. Bytes that might begin the marker
/// are held back until the next read decides.
struct MarkerScanner {
    let marker: [UInt8]
    private var pending: [UInt8] = []
    private(set) var found = false

    init(marker: [UInt8]) {
        self.marker = marker
    }

    /// The output among `bytes` (nothing once the marker was seen).
    mutating func feed(_ bytes: some Collection<UInt8>) -> [UInt8] {
        guard !found, !marker.isEmpty else { return found ? [] : Array(bytes) }
        pending.append(contentsOf: bytes)
        if let start = Self.find(marker, in: pending) {
            found = true
            let output = Array(pending[..<start])
            pending = []
            return output
        }
        // Hold back the longest suffix that is a prefix of the marker.
        var hold = min(marker.count - 1, pending.count)
        while hold > 0, !pending.suffix(hold).elementsEqual(marker.prefix(hold)) { hold -= 1 }
        let output = Array(pending.dropLast(hold))
        pending.removeFirst(pending.count - hold)
        return output
    }

    /// What was held back when the stream ends without the marker.
    mutating func finish() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
