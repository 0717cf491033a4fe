import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store keeps time as whole milliseconds since 1970 (an INTEGER column), so that a date read
/// back, exported and imported is bit-for-bit the date that was written.
public enum Timestamp {
    public static func now() -> Date { date(fromMilliseconds: milliseconds(Date())) }

    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public static func date(fromMilliseconds ms: Int64) -> Date {
        Date(timeIntervalSince1970: Double(ms) / 1000)
    }

    /// `2026-11-29T02:40:07.123Z`: ISO 8601 in UTC with milliseconds, formatted by hand so that no
    /// formatter can round or truncate differently on another platform.
    public static func iso8601(_ date: Date) -> String {
        let ms = milliseconds(date)
        var seconds = time_t(floorDiv(ms, 1000))
        let millis = Int(ms - floorDiv(ms, 1000) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }

    /// Parses exactly the form `iso8601(_:)` writes (the fraction may have 0 to 3 digits).
    public static func parseISO8601(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= chars.count else { return nil }
            var value = 0
            for c in chars[start..<start + count] {
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        func expect(_ index: Int, _ char: Character) -> Bool {
            index < chars.count && chars[index] == char.asciiValue
        }
        guard let year = number(0, 4), expect(4, "-"), let month = number(5, 2), expect(7, "-"),
              let day = number(8, 2), expect(10, "T"), let hour = number(11, 2), expect(13, ":"),
              let minute = number(14, 2), expect(16, ":"), let second = number(17, 2) else { return nil }
        var index = 19
        var millis = 0
        if expect(index, ".") {
            index += 1
            var digits = 0
            while index < chars.count, let d = number(index, 1) {
                guard digits < 3 else { return nil }
                millis = millis * 10 + d
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<3 { millis *= 10 }
        }
        guard expect(index, "Z"), index + 1 == chars.count,
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = Int64(timegm(&parts))
        return date(fromMilliseconds: seconds * 1000 + Int64(millis))
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
