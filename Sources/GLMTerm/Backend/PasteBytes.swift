/// A bracketed paste's bytes, read by the terminal backend straight from the terminal in blocks.
///
/// Why: ncurses reads its input one byte per read(2), with a poll before each, so a 1 MB paste
/// spent about 70% of its 6.4 s in the kernel. The start marker still comes through ncurses (its
/// key matching hands `ESC [200~` back as plain characters, and by the `~` it has read nothing
/// beyond: no key sequence begins with `~`). From there the backend reads blocks and decodes them
/// here, up to the end marker; what follows the marker in the same block is handed on as
/// characters too (the key decoder understands the sequences of keys typed right after a paste).
struct PasteBytes {
    /// Whether the next bytes belong to a paste (read them, and give them to `decode`).
    private(set) var inPaste = false
    /// How many scalars of the marker being looked for (start outside a paste, end inside) came last.
    private var matched = 0
    /// The first bytes of a UTF-8 sequence that a block's end cut.
    private var carry: [UInt8] = []

    static let start: [Unicode.Scalar] = ["\u{1B}", "[", "2", "0", "0", "~"]
    static let end: [Unicode.Scalar] = ["\u{1B}", "[", "2", "0", "1", "~"]
    static let replacement: Unicode.Scalar = "\u{FFFD}"

    /// A character ncurses delivered: it may complete the start marker.
    mutating func noteDelivered(_ scalar: Unicode.Scalar) {
        track(scalar)
    }

    /// A key code ncurses delivered: no marker goes on across it.
    mutating func noteKey() {
        matched = 0
    }

    /// Decodes a block of bytes (and any cut sequence kept from the last block) into characters;
    /// the end of a sequence that has not arrived yet is kept for the next block.
    mutating func decode(_ bytes: some Collection<UInt8>) -> [RawInput] {
        carry.append(contentsOf: bytes)
        var decoded: [RawInput] = []
        decoded.reserveCapacity(carry.count)
        var index = 0
        while index < carry.count, let (scalar, length) = Self.scalar(in: carry, at: index) {
            decoded.append(.scalar(scalar))
            track(scalar)
            index += length
        }
        carry.removeFirst(index)
        return decoded
    }

    /// Whether a sequence cut at a block's end waits for its last bytes.
    var isWaitingForBytes: Bool { !carry.isEmpty }

    /// How many more bytes the cut sequence needs.
    var bytesWanted: Int {
        guard let lead = carry.first, let length = Self.sequenceLength(lead: lead) else { return 0 }
        return max(0, length - carry.count)
    }

    /// The terminal sent no more: a cut sequence becomes replacement characters, and reading
    /// goes back to ncurses.
    mutating func abandon() -> [RawInput] {
        let cut = carry.map { _ in RawInput.scalar(Self.replacement) }
        carry.removeAll()
        inPaste = false
        matched = 0
        return cut
    }

    private mutating func track(_ scalar: Unicode.Scalar) {
        let marker = inPaste ? Self.end : Self.start
        if scalar == marker[matched] {
            matched += 1
        } else {
            // ESC only begins a marker, so a mismatch can only restart at ESC
            matched = scalar == marker[0] ? 1 : 0
        }
        if matched == marker.count {
            inPaste.toggle()
            matched = 0
        }
    }

    /// How many bytes a sequence with this first byte has (nil for a byte no sequence starts with).
    static func sequenceLength(lead: UInt8) -> Int? {
        switch lead {
        case 0x00...0x7F: 1
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: nil
        }
    }

    /// The scalar at `index` and its length in bytes; a malformed byte is U+FFFD (one byte long);
    /// nil when the bytes so far are a valid start whose rest has not arrived.
    static func scalar(in bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        guard let length = sequenceLength(lead: lead) else { return (replacement, 1) }
        if length == 1 { return (Unicode.Scalar(lead), 1) }
        // the second byte's range excludes overlong forms, surrogates and values past U+10FFFF
        let second: ClosedRange<UInt8> = switch lead {
        case 0xE0: 0xA0...0xBF
        case 0xED: 0x80...0x9F
        case 0xF0: 0x90...0xBF
        case 0xF4: 0x80...0x8F
        default: 0x80...0xBF
        }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            guard index + offset < bytes.count else { return nil }
            let byte = bytes[index + offset]
            guard (offset == 1 ? second : 0x80...0xBF).contains(byte) else { return (replacement, 1) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (Unicode.Scalar(value) ?? replacement, length)
    }
}
