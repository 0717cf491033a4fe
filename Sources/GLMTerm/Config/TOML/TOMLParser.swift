import GLMConversation

/// A problem in a TOML document: the 1-based line it is on and what is wrong.
struct TOMLError: Error, Equatable, Sendable {
    let line: Int
    let message: String
}

/// Reads a TOML 1.0 document (https://toml.io/en/v1.0.0) into a `TOMLTable`; every malformed input
/// is a `TOMLError` naming its line. glmchat's own reader, because toml++ (TOMLKit) aborts the
/// program on some malformed input instead of reporting it (docs/FUZZING.md). Its verdicts follow
/// Python's `tomllib`, the oracle of its tests (Tests/GLMTermTests/Fixtures/toml): the same documents
/// are accepted, with the same values.
///
/// Tables follow TOML's rules: a `[header]` declares a table once (tables its path passes through are
/// created as needed and may be declared later); `[[header]]` appends a table to an array of tables;
/// dotted keys create tables that no header may declare afterwards; inline tables and arrays are
/// values, closed to later additions.
struct TOMLParser {
    /// How deep tables and arrays may nest (and how many parts a key may have): deeper documents
    /// are refused before they can exhaust the stack.
    static let maximumDepth = 100

    let bytes: [UInt8]
    var index = 0
    private let root = TOMLTableBuilder()
    private var current: TOMLTableBuilder
    private var currentDepth = 0
    /// Tables dotted keys created or entered in the current section; the next header closes them.
    private var dottedInSection: [TOMLTableBuilder] = []

    static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(text)
        try parser.parseDocument()
        return parser.root.build()
    }

    private init(_ text: String) {
        // CRLF ends a line as LF does; a lone CR is a control character (refused where it appears).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == TOMLByte.newline && previous == TOMLByte.carriageReturn { bytes.removeLast() }
            bytes.append(byte)
            previous = byte
        }
        self.bytes = bytes
        current = root
    }

    private mutating func parseDocument() throws(TOMLError) {
        while true {
            skipWhitespace()
            guard let byte = peek() else { return }
            switch byte {
            case TOMLByte.newline:
                index += 1
                continue
            case TOMLByte.hash:
                break
            case TOMLByte.openBracket:
                try parseHeader()
            default:
                try parseKeyValue(into: current, depth: currentDepth)
            }
            skipWhitespace()
            try skipComment()
            guard let end = peek() else { return }
            guard end == TOMLByte.newline else { throw error("expected the end of the line after a key = value or a [table]") }
            index += 1
        }
    }

    /// `[a.b]` or `[[a.b]]`: the table that the following keys go into.
    private mutating func parseHeader() throws(TOMLError) {
        for table in dottedInSection { table.declared = true }
        dottedInSection.removeAll()
        let isArray = byte(at: index + 1) == TOMLByte.openBracket
        index += isArray ? 2 : 1
        skipWhitespace()
        let path = try parseKey()
        skipWhitespace()
        guard consume(TOMLByte.closeBracket), !isArray || consume(TOMLByte.closeBracket) else {
            throw error(isArray ? "expected ']]' after [[\(Self.describe(path))" : "expected ']' after [\(Self.describe(path))")
        }
        var table = root
        for (position, key) in path.dropLast().enumerated() {
            switch table.entry(key) {
            case nil:
                let created = TOMLTableBuilder()
                table.append(.table(created), for: key)
                table = created
            case .table(let existing):
                table = existing
            case .tables(let list):
                guard let last = list.last else { throw error("\(Self.describe(path.prefix(position + 1))) is an empty array of tables") }
                table = last
            case .value:
                throw error("\(Self.describe(path.prefix(position + 1))) is a value, not a table")
            }
        }
        let name = path[path.count - 1]
        let declared = TOMLTableBuilder()
        declared.declared = true
        switch table.entry(name) {
        case nil:
            table.append(isArray ? .tables([declared]) : .table(declared), for: name)
            current = declared
        case .table(let existing) where !isArray && !existing.declared:
            existing.declared = true
            current = existing
        case .tables(let list) where isArray:
            table.replace(.tables(list + [declared]), for: name)
            current = declared
        default:
            throw error("\(isArray ? "[[" : "[")\(Self.describe(path))\(isArray ? "]]" : "]"): \(Self.describe(path)) is already defined")
        }
        currentDepth = path.count
    }

    /// `key = value` (the key may be dotted) into `table`, which is `depth` tables below the root.
    mutating func parseKeyValue(into table: TOMLTableBuilder, depth: Int) throws(TOMLError) {
        let path = try parseKey()
        guard depth + path.count <= Self.maximumDepth else { throw error("tables nest more than \(Self.maximumDepth) deep") }
        skipWhitespace()
        guard consume(TOMLByte.equals) else { throw error("expected '=' after the key \(Self.describe(path))") }
        skipWhitespace()
        let value = try parseValue(depth: depth + path.count)
        var target = table
        for (position, key) in path.dropLast().enumerated() {
            switch target.entry(key) {
            case nil:
                let created = TOMLTableBuilder()
                target.append(.table(created), for: key)
                dottedInSection.append(created)
                target = created
            case .table(let existing) where !existing.declared:
                target = existing
            default:
                throw error("\(Self.describe(path)): \(Self.describe(path.prefix(position + 1))) is already defined")
            }
        }
        let name = path[path.count - 1]
        guard target.entry(name) == nil else { throw error("\(Self.describe(path)) is defined twice") }
        target.append(.value(value), for: name)
    }

    /// A key: bare or quoted parts joined by dots.
    private mutating func parseKey() throws(TOMLError) -> [String] {
        var path: [String] = []
        while true {
            guard path.count < Self.maximumDepth else { throw error("a key has more than \(Self.maximumDepth) parts") }
            switch peek() {
            case TOMLByte.quote:
                path.append(try parseBasicString())
            case TOMLByte.apostrophe:
                path.append(try parseLiteralString())
            case let byte? where TOMLByte.isBareKey(byte):
                let start = index
                while let next = peek(), TOMLByte.isBareKey(next) { index += 1 }
                path.append(String(decoding: bytes[start..<index], as: UTF8.self))
            default:
                throw error("expected a key (letters, digits, _ and -, or a quoted string)")
            }
            skipWhitespace()
            guard peek() == TOMLByte.dot else { return path }
            index += 1
            skipWhitespace()
        }
    }

    // MARK: Reading bytes

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    func byte(at position: Int) -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    func starts(with byte: UInt8, count: Int) -> Bool {
        (0..<count).allSatisfy { self.byte(at: index + $0) == byte }
    }

    mutating func skipWhitespace() {
        while let byte = peek(), byte == TOMLByte.space || byte == TOMLByte.tab { index += 1 }
    }

    /// A comment, if one starts here, up to (not including) the end of its line.
    mutating func skipComment() throws(TOMLError) {
        guard peek() == TOMLByte.hash else { return }
        while let byte = peek(), byte != TOMLByte.newline {
            guard TOMLByte.isAllowedInText(byte) else { throw error("a control character in a comment") }
            index += 1
        }
    }

    /// Spaces, line ends and comments, as arrays allow between their values.
    mutating func skipBlanksAndComments() throws(TOMLError) {
        while true {
            skipWhitespace()
            try skipComment()
            guard consume(TOMLByte.newline) else { return }
        }
    }

    /// An error at the current position.
    func error(_ message: String) -> TOMLError {
        let end = min(index, bytes.count)
        return TOMLError(line: 1 + bytes[..<end].lazy.filter { $0 == TOMLByte.newline }.count, message: message)
    }

    static func describe<Path: Collection<String>>(_ path: Path) -> String {
        path.map(TOMLValue.key).joined(separator: ".")
    }
}

/// A table while the document is read: later headers and dotted keys may still add to it.
final class TOMLTableBuilder {
    enum Entry {
        /// A value, inline tables and arrays included: closed to later headers and dotted keys.
        case value(TOMLValue)
        case table(TOMLTableBuilder)
        /// `[[name]]`: the tables so far, the last one open.
        case tables([TOMLTableBuilder])
    }

    private(set) var keys: [String] = []
    private var entries: [ExactText: Entry] = [:]
    /// Declared by a header, or by dotted keys of an earlier section: no header may declare it again.
    var declared = false

    func entry(_ key: String) -> Entry? { entries[ExactText(key)] }

    func append(_ entry: Entry, for key: String) {
        keys.append(key)
        entries[ExactText(key)] = entry
    }

    func replace(_ entry: Entry, for key: String) { entries[ExactText(key)] = entry }

    func build() -> TOMLTable {
        var table = TOMLTable()
        for key in keys {
            switch entry(key) {
            case .value(let value)?: table.append(value, for: key)
            case .table(let builder)?: table.append(.table(builder.build()), for: key)
            case .tables(let builders)?: table.append(.array(builders.map { .table($0.build()) }), for: key)
            case nil: break
            }
        }
        return table
    }
}
