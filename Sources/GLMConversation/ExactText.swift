import Foundation

/// Text that is equal, hashed and ordered by its UTF-8 bytes.
///
/// Swift's `String ==` (and so `Set<String>`, `[String: T]`) treats canonically equivalent text as
/// equal: U+F98E (a CJK compatibility ideograph) equals U+5E74 "年", and U+212A KELVIN SIGN equals
/// "K". Vocabulary pieces, token texts, tensor and metadata names and stop strings must match byte
/// for byte (the real ChatGLM3 vocabulary holds 16 such pairs as distinct tokens), so they use this.
public struct ExactText: Hashable, Comparable, Sendable, CustomStringConvertible, CustomDebugStringConvertible,
                         ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    /// The text's bytes, exactly as given.
    public let utf8: [UInt8]

    public init(_ string: String) { utf8 = Array(string.utf8) }

    public init(_ string: Substring) { utf8 = Array(string.utf8) }

    /// Bytes that must be valid UTF-8; nil when they are not.
    public init?(validatingUTF8 bytes: some Collection<UInt8>) {
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        utf8 = Array(bytes)
    }

    public init(stringLiteral value: String) { self.init(value) }

    public init(stringInterpolation: DefaultStringInterpolation) {
        self.init(String(stringInterpolation: stringInterpolation))
    }

    /// The text as a `String` (for display and for APIs that take one; compare `ExactText`, not this).
    public var string: String { String(decoding: utf8, as: UTF8.self) }

    public var description: String { string }
    public var debugDescription: String { string.debugDescription }
    public var isEmpty: Bool { utf8.isEmpty }

    public static func < (lhs: ExactText, rhs: ExactText) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    public func hasPrefix(_ prefix: ExactText) -> Bool { utf8.starts(with: prefix.utf8) }

    public func hasSuffix(_ suffix: ExactText) -> Bool {
        utf8.count >= suffix.utf8.count && utf8.suffix(suffix.utf8.count).elementsEqual(suffix.utf8)
    }
}

extension String {
    /// Whether two strings have the same bytes (unlike `==`, which equates canonically equivalent text).
    /// Lengths first, then one memcmp of the contiguous bytes (a byte-at-a-time walk of two long
    /// messages showed in the app's frame profile); the walk is kept for non-contiguous text.
    public func isByteEqual(to other: some StringProtocol) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        let compared = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in
                guard let left = mine.baseAddress, let right = theirs.baseAddress else { return true }   // both empty
                return left == right || memcmp(left, right, mine.count) == 0
            }
        }
        if let compared, let compared { return compared }
        return utf8.elementsEqual(other.utf8)
    }

    /// `hasPrefix` by bytes.
    public func hasBytePrefix(_ prefix: some StringProtocol) -> Bool { utf8.starts(with: prefix.utf8) }

    /// `hasSuffix` by bytes.
    public func hasByteSuffix(_ suffix: some StringProtocol) -> Bool {
        utf8.count >= suffix.utf8.count && utf8.suffix(suffix.utf8.count).elementsEqual(suffix.utf8)
    }
}
