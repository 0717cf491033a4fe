import GLMConversation

/// The interpreter's readers of bytes from inside the sandbox, where the model's code runs, for the
/// `interpreter-frames` fuzz target (Sources/glmfuzz): the driver's answer frames, and a block's
/// output streams with their end marker and cut. Each input either reads to its end or is refused
/// with a `GLMError`.
public enum InterpreterFuzzing {
    /// Feeds `bytes` in uneven pieces, as pipe reads arrive, through the frame reader, the answer
    /// decoder, the marker scanner and the output capture.
    public static func read(_ bytes: [UInt8]) throws(GLMError) {
        var frames = DriverFrameReader()
        var scanner = MarkerScanner(marker: Array("glmchat-end-marker".utf8))
        var capture = OutputCapture(keep: 64)
        var offset = 0
        var piece = 1
        while offset < bytes.count {
            let end = min(offset + piece, bytes.count)
            let chunk = bytes[offset..<end]
            frames.append(chunk)
            while let value = try frames.next() {
                _ = try DriverAnswer(value)
            }
            capture.append(scanner.feed(chunk))
            offset = end
            piece = piece % 97 + 7
        }
        capture.append(scanner.finish())
        _ = HeadTail.cut(capture.text, limit: 40, alreadyCutBytes: capture.droppedBytes)
    }
}
