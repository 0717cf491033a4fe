/// The readers of the bytes a terminal sends, for the `terminal-input` fuzz target
/// (Sources/glmfuzz): a bracketed paste's bytes read in blocks (`PasteBytes`) and the key decoder,
/// fed in uneven pieces as reads arrive. Outside a paste the characters come one by one, as
/// ncurses hands them over. Valid UTF-8 must come out as exactly its scalars.
public enum TerminalInputFuzzing {
    public static func read(_ bytes: [UInt8]) {
        var paste = PasteBytes()
        var keys = KeyDecoder()
        var scalars: [Unicode.Scalar] = []
        var offset = 0
        var piece = 1
        while offset < bytes.count {
            let end = min(offset + piece, bytes.count)
            var inputs: [RawInput] = []
            if paste.inPaste || paste.isWaitingForBytes {
                inputs = paste.decode(bytes[offset..<end])
            } else {
                // ncurses's side: a byte at a time (decoding tracks the markers as `noteDelivered` does)
                var index = offset
                while index < end, !paste.inPaste {
                    inputs += paste.decode(bytes[index..<(index + 1)])
                    index += 1
                }
                if index < end { inputs += paste.decode(bytes[index..<end]) }
            }
            for case .scalar(let scalar) in inputs { scalars.append(scalar) }
            _ = keys.feed(inputs)
            offset = end
            piece = piece % 89 + 5
        }
        for case .scalar(let scalar) in paste.abandon() { scalars.append(scalar) }
        _ = keys.feed([])
        _ = keys.flush()
        if let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.elementsEqual(scalars) {
            fatalError("terminal input: valid UTF-8 did not decode to its own scalars")
        }
    }
}
