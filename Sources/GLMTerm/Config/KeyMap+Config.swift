extension KeyMap {
    /// config.toml's `[bind]`: `action = "key"` or `action = ["key", "key"]` (see `AppAction`, `KeySpec`).
    mutating func apply(_ table: TOMLTable, path: String) throws(ConfigError) {
        for name in table.keys {
            guard let action = AppAction(rawValue: name) else {
                throw ConfigError(path: path, "bind: unknown action '\(name)' (actions: "
                                  + AppAction.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            let texts: [String]
            if let text = table[name]?.string {
                texts = [text]
            } else if let array = table[name]?.array {
                texts = array.compactMap { $0.string }
                guard texts.count == array.count else { throw ConfigError(path: path, "bind.\(name): every key must be a string") }
            } else {
                throw ConfigError(path: path, "bind.\(name) must be a key such as \"ctrl+y\" or a list of them")
            }
            var keys: [Key] = []
            for text in texts {
                guard let key = KeySpec.parse(text) else {
                    throw ConfigError(path: path, "bind.\(name): '\(text)' is not a key glmchat can bind "
                                      + "(f1-f12, ctrl+a-z except ctrl+h/i/j/m, alt+x, pageup, pagedown, home, end, insert, delete, or one character)")
                }
                keys.append(key)
            }
            bind(action, to: keys)
        }
    }
}
