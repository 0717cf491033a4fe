/// Text made safe to print: control characters (which a terminal obeys, so `ESC [2J` in a message
/// would clear the screen) become their visible Unicode pictures. A message, a model's answer or a
/// title is only ever shown this way on a terminal or in a file for people; the stored text is
/// never changed. JSON output escapes them instead (`JSONControlEscaping`).
public enum ControlPictures {
    /// The picture shown for `scalar`, or nil when it is not a control character: C0 controls
    /// become ␀…␟ (U+2400 + code), DEL becomes ␡, C1 controls and the Unicode line and paragraph
    /// separators become U+FFFD.
    public static func picture(for scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x00...0x1F: return Unicode.Scalar(0x2400 + scalar.value)
        case 0x7F: return Unicode.Scalar(0x2421)
        case 0x80...0x9F, 0x2028, 0x2029: return Unicode.Scalar(0xFFFD)
        default: return nil
        }
    }

    /// `text` with every control character shown as its picture, except line feeds and tabs (which
    /// lay text out and cannot start a sequence). Text without controls is returned as it is.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsPicture) else { return text }
        var shown = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            shown.append(needsPicture(scalar) ? picture(for: scalar) ?? scalar : scalar)
        }
        return String(shown)
    }

    private static func needsPicture(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && scalar != "\t" && picture(for: scalar) != nil
    }
}

/// JSON for terminals and scripts: JSON encoders escape C0 controls (`\u001b`), but DEL and the C1
/// controls (U+0080–U+009F, which some terminals obey like ESC sequences) pass through as bytes.
/// This escapes those too, so JSON output never carries a control byte.
public enum JSONControlEscaping {
    /// `json` (UTF-8 JSON text) with DEL and C1 controls written as `\u007f` … `\u009f`. They can only
    /// occur inside strings, where the escape means the same character.
    public static func escapingControls(_ json: [UInt8]) -> [UInt8] {
        guard json.contains(where: { $0 == 0x7F || $0 == 0xC2 }) else { return json }
        var out: [UInt8] = []
        out.reserveCapacity(json.count + 16)
        var index = 0
        while index < json.count {
            let byte = json[index]
            if byte == 0x7F {
                out += Array("\\u007f".utf8)
            } else if byte == 0xC2, index + 1 < json.count, (0x80...0x9F).contains(json[index + 1]) {
                out += Array("\\u00".utf8) + hex(json[index + 1])
                index += 1
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    private static func hex(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
    }
}
