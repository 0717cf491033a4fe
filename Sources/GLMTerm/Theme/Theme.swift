/// The named parts of the screen a theme colours.
public enum ThemeRole: String, CaseIterable, Sendable {
    case user, assistant, system, border, sidebar, selection, status, code, error, dim
    /// Search matches in the session list.
    case match
}

/// One role as written in a theme: colours still unresolved.
public struct RoleStyle: Equatable, Sendable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var attributes: TextAttributes

    public init(foreground: ThemeColor = .terminalDefault, background: ThemeColor = .terminalDefault,
                attributes: TextAttributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }
}

/// A theme as written: a name and a style per role (roles it leaves out stay plain).
public struct ThemeSpec: Equatable, Sendable {
    public var name: String
    public var roles: [ThemeRole: RoleStyle]

    public init(name: String, roles: [ThemeRole: RoleStyle]) {
        self.name = name
        self.roles = roles
    }

    /// Styles for a terminal with `colorCount` colours (0: none, for NO_COLOR or mono terminals;
    /// attributes such as bold and reverse are kept, so selection stays visible).
    public func resolved(colorCount: Int) -> Theme {
        var styles: [ThemeRole: Style] = [:]
        for role in ThemeRole.allCases {
            let spec = roles[role] ?? RoleStyle()
            styles[role] = Style(foreground: spec.foreground.resolved(colorCount: colorCount),
                                 background: spec.background.resolved(colorCount: colorCount),
                                 attributes: spec.attributes)
        }
        return Theme(name: name, styles: styles)
    }

    /// The built-in default: the terminal's own 16 colours. Also what a broken theme falls back to.
    public static let standard = ThemeSpec(name: "default", roles: [
        .user: RoleStyle(foreground: .indexed(6), attributes: .bold),
        .assistant: RoleStyle(foreground: .indexed(2), attributes: .bold),
        .system: RoleStyle(foreground: .indexed(3)),
        .border: RoleStyle(foreground: .indexed(8)),
        .sidebar: RoleStyle(),
        .selection: RoleStyle(attributes: .reverse),
        .status: RoleStyle(attributes: .reverse),
        .code: RoleStyle(foreground: .indexed(5)),
        .error: RoleStyle(foreground: .indexed(1), attributes: .bold),
        .dim: RoleStyle(attributes: .dim),
        .match: RoleStyle(foreground: .indexed(3), attributes: [.bold, .underline]),
    ])
}

/// A theme ready to draw with.
public struct Theme: Equatable, Sendable {
    public var name: String
    private var styles: [ThemeRole: Style]

    public init(name: String, styles: [ThemeRole: Style]) {
        self.name = name
        self.styles = styles
    }

    public subscript(role: ThemeRole) -> Style {
        styles[role] ?? .plain
    }

    public static let plain = ThemeSpec.standard.resolved(colorCount: 16)
}
