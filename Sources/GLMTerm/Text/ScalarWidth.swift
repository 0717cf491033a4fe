#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cells libc's `wcwidth` gives one scalar in a UTF-8 locale: the table ncurses draws with.
///
/// `wcwidth` answers by the calling thread's locale (every non-ASCII scalar is -1 in "C"). The
/// locale is installed with `uselocale` on the calling thread for the one call and restored, so
/// measuring never changes the process locale. libc's table is used rather than one of our own
/// because it is, by construction, the one ncurses uses on this machine: a table generated from
/// another Unicode version would put borders in the wrong place wherever the two differ. The
/// cost is measured in docs/PERFORMANCE.md ("Cell width").
enum ScalarWidth {
    /// -1 for scalars libc calls non-printable (controls, unassigned), else 0, 1 or 2.
    static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value >= 0x20 && value < 0x7F { return 1 }
        guard let libcWcwidth = LibcWcwidth.function, let locale = UTF8Locale.locale else { return -1 }
        let previous = uselocale(locale)
        defer { uselocale(previous) }
        return Int(libcWcwidth(wchar_t(bitPattern: value)))
    }

    /// Whether non-ASCII widths can be known: libc has `wcwidth` and a UTF-8 locale exists.
    static var isAvailable: Bool {
        LibcWcwidth.function != nil && UTF8Locale.locale != nil
    }
}

/// A UTF-8 locale object for LC_CTYPE, made once and never freed; only ever installed per thread.
enum UTF8Locale {
    /// C.UTF-8 is the same width table as every other UTF-8 locale of this libc (glibc keeps one
    /// table in its UTF-8 charmap) and is the one most systems install. nil when none exists.
    nonisolated(unsafe) static let locale: locale_t? = {
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8", "UTF-8"] {
            if let locale = newlocale(LC_CTYPE_MASK, name, nil) { return locale }
        }
        return nil
    }()
}

/// libc's `wcwidth`. Swift's Glibc module leaves it out (glibc declares it only for
/// _XOPEN_SOURCE), so it is looked up by name once.
enum LibcWcwidth {
    typealias Function = @convention(c) (wchar_t) -> Int32

    static let function: Function? = {
        #if canImport(Darwin)
        return { wcwidth($0) }
        #else
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "wcwidth") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
        #endif
    }()
}
