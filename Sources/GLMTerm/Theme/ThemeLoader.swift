import Foundation

/// Reads `themes/NAME.toml` (the user's, or one built into glmchat). A theme file has a table per role, each with `fg` and `bg` colours
/// (`default`, an ANSI name such as `cyan` or `bright-red`, 0–255, or `#rrggbb`) and the flags
/// `bold`, `dim`, `italic`, `underline`, `reverse`:
///
///     name = "dark"
///     [user]
///     fg = "#5fafff"
///     bold = true
///
/// Roles a file leaves out keep the default theme's style.
public enum ThemeLoader {
    static let attributeKeys: [(String, TextAttributes)] = [
        ("bold", .bold), ("dim", .dim), ("italic", .italic), ("underline", .underline), ("reverse", .reverse),
    ]

    public static func parse(_ text: String, path: String) throws(ConfigError) -> ThemeSpec {
        let table = try ConfigError.parseTOML(text, path: path)
        var spec = ThemeSpec.standard
        spec.name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        for key in table.keys {
            if key == "name" {
                guard let name = table[key]?.string else { throw ConfigError(path: path, "name must be a string") }
                spec.name = name
                continue
            }
            guard let role = ThemeRole(rawValue: key) else {
                let known = ThemeRole.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigError(path: path, "unknown role '\(key)' (the roles are: \(known))")
            }
            guard let roleTable = table[key]?.table else {
                throw ConfigError(path: path, "\(key) must be a table such as [\(key)] with fg, bg, bold, …")
            }
            spec.roles[role] = try roleStyle(roleTable, role: key, path: path)
        }
        return spec
    }

    private static func roleStyle(_ table: TOMLTable, role: String, path: String) throws(ConfigError) -> RoleStyle {
        var style = RoleStyle()
        for key in table.keys {
            switch key {
            case "fg", "bg":
                let value = table[key]
                let color: ThemeColor?
                if let number = value?.int {
                    color = (0...255).contains(number) ? .indexed(UInt8(number)) : nil
                } else if let text = value?.string {
                    color = ThemeColor.parse(text)
                } else {
                    color = nil
                }
                guard let color else {
                    throw ConfigError(path: path, "\(role).\(key): \(value.map { "\($0)" } ?? "nothing") is not a colour "
                                      + "(use default, an ANSI name such as cyan or bright-red, 0–255, or #rrggbb)")
                }
                if key == "fg" { style.foreground = color } else { style.background = color }
            default:
                guard let attribute = attributeKeys.first(where: { $0.0 == key })?.1 else {
                    throw ConfigError(path: path, "\(role).\(key) is not a style key (fg, bg, bold, dim, italic, underline, reverse)")
                }
                guard let flag = table[key]?.bool else { throw ConfigError(path: path, "\(role).\(key) must be true or false") }
                if flag { style.attributes.insert(attribute) }
            }
        }
        return style
    }

    /// Finds and reads theme `name`: a file in `directories` first (the user's own themes win),
    /// then the themes built into glmchat (the text of `themes/*.toml`). A missing or broken theme
    /// gives the default theme and the message to show.
    public static func load(named name: String, from directories: [URL],
                            builtIn: [(name: String, text: String)] = BuiltinThemes.files) -> (spec: ThemeSpec, problem: String?) {
        for directory in directories {
            let url = directory.appendingPathComponent("\(name).toml")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            do {
                let text = try String(contentsOf: url, encoding: .utf8)
                return (try parse(text, path: url.path), nil)
            } catch let error as ConfigError {
                return (.standard, "\(error) — using the default theme")
            } catch {
                return (.standard, "\(url.path): \(error.localizedDescription) — using the default theme")
            }
        }
        if let shipped = builtIn.first(where: { $0.name.isByteEqual(to: name) }) {
            do {
                return (try parse(shipped.text, path: "(built in) \(name).toml"), nil)
            } catch {
                return (.standard, "\(error) — using the default theme")
            }
        }
        if name == "default" { return (.standard, nil) }
        let searched = directories.map(\.path).joined(separator: ", ")
        let shippedNames = builtIn.map(\.name).joined(separator: ", ")
        return (.standard, "theme '\(name)' not found: the built-in themes are \(shippedNames); "
                + "your own go in \(searched.isEmpty ? "a themes folder" : searched) — using the default theme")
    }

    /// The colour count to resolve a theme for: none when NO_COLOR is set (https://no-color.org).
    public static func colorCount(terminalColors: Int, environment: [String: String]) -> Int {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return 0 }
        return terminalColors
    }
}
