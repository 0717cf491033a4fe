#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Terminal cell widths, from libc's `wcwidth` (the function ncurses uses), evaluated in the
/// C.UTF-8 locale whatever the process locale is, so titles are cut the same way in a test, a
/// pipe and the app.
public enum DisplayWidth {
    /// Cells one grapheme takes: the widest of its scalars (an emoji ZWJ sequence is one wide
    /// glyph); an emoji presentation selector makes a narrow symbol wide. Controls take 0.
    public static func cells(_ character: Character) -> Int {
        var widest = 0
        var emojiPresentation = false
        for scalar in character.unicodeScalars {
            if scalar.value == 0xFE0F { emojiPresentation = true }
            widest = max(widest, cells(scalar))
        }
        return emojiPresentation ? max(widest, 2) : widest
    }

    public static func cells(_ text: String) -> Int {
        text.reduce(0) { $0 + cells($1) }
    }

    static func cells(_ scalar: Unicode.Scalar) -> Int {
        if scalar.isASCII {
            return scalar.value >= 0x20 && scalar.value < 0x7F ? 1 : 0
        }
        return Int(max(0, UTF8Locale.shared.wcwidth(scalar)))
    }

    /// The longest prefix of `text` that fits in `maxCells`, with "…" in the last cell when
    /// anything was cut.
    public static func truncate(_ text: String, toCells maxCells: Int) -> String {
        guard maxCells > 0 else { return "" }
        if cells(text) <= maxCells { return text }
        var result = ""
        var used = 0
        for character in text {
            let width = cells(character)
            if used + width > maxCells - 1 { break }
            result.append(character)
            used += width
        }
        return result + "…"
    }
}

/// A C.UTF-8 locale object; `wcwidth` is called with it installed on the calling thread only.
private final class UTF8Locale: @unchecked Sendable {
    static let shared = UTF8Locale()
    private let locale: locale_t?
    private let libcWcwidth: (@convention(c) (Int32) -> Int32)?

    private init() {
        locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil)
        // Swift's Glibc module leaves `wcwidth` out (glibc declares it only under _XOPEN_SOURCE),
        // so it is looked up by name once.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "wcwidth") {
            libcWcwidth = unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
        } else {
            libcWcwidth = nil
        }
    }

    func wcwidth(_ scalar: Unicode.Scalar) -> Int32 {
        guard let locale, let libcWcwidth else { return fallback(scalar) }
        let previous = uselocale(locale)
        defer { uselocale(previous) }
        return libcWcwidth(Int32(bitPattern: scalar.value))
    }

    /// Without libc's answer (not expected on glibc 2.35+): East Asian wide ranges count 2.
    private func fallback(_ scalar: Unicode.Scalar) -> Int32 {
        let v = scalar.value
        if scalar.properties.generalCategory == .nonspacingMark || v == 0x200D { return 0 }
        let wide: [ClosedRange<UInt32>] = [0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
                                           0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
                                           0x1F300...0x1FAFF, 0x20000...0x3FFFD]
        return wide.contains { $0.contains(v) } ? 2 : 1
    }
}
