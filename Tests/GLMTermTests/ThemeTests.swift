import Foundation
import Testing
@testable import GLMTerm

@Suite struct ThemeTests {
    static let themesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("themes")

    @Test func colourForms() {
        #expect(ThemeColor.parse("default") == .terminalDefault)
        #expect(ThemeColor.parse("cyan") == .indexed(6))
        #expect(ThemeColor.parse("bright-red") == .indexed(9))
        #expect(ThemeColor.parse("208") == .indexed(208))
        #expect(ThemeColor.parse("#ff8000") == .rgb(255, 128, 0))
        #expect(ThemeColor.parse("#ff80") == nil)
        #expect(ThemeColor.parse("purplish") == nil)
        #expect(ThemeColor.parse("256") == nil)
    }

    @Test func nearestColourForSmallerTerminals() {
        #expect(ThemeColor.rgb(255, 0, 0).resolved(colorCount: 256) == .indexed(9))
        #expect(ThemeColor.rgb(0, 95, 215).resolved(colorCount: 256) == .indexed(26))
        #expect(ThemeColor.rgb(128, 128, 128).resolved(colorCount: 256) == .indexed(244))
        #expect(ThemeColor.rgb(0, 0, 200).resolved(colorCount: 16) == .indexed(4))
        #expect(ThemeColor.indexed(196).resolved(colorCount: 16) == .indexed(9))
        #expect(ThemeColor.indexed(196).resolved(colorCount: 8) == .indexed(1))
        #expect(ThemeColor.indexed(196).resolved(colorCount: 0) == .terminalDefault)
    }

    @Test func everyShippedThemeLoadsWithEveryRole() throws {
        for name in ["default", "light", "dark", "high-contrast", "mono"] {
            let (spec, problem) = ThemeLoader.load(named: name, from: [Self.themesDirectory])
            #expect(problem == nil, "\(name): \(problem ?? "")")
            #expect(spec.name == name)
            let text = try String(contentsOf: Self.themesDirectory.appendingPathComponent("\(name).toml"), encoding: .utf8)
            for role in ThemeRole.allCases {
                #expect(text.contains("[\(role.rawValue)]"), "\(name) lacks \(role)")
            }
        }
    }

    /// The binary carries the shipped themes, so they work from any folder; `themes/` is where they
    /// are edited, and the embedded copy must be exactly what is there.
    @Test func builtInThemesAreTheThemeFilesByteForByte() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.themesDirectory.path)
            .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(BuiltinThemes.files.map(\.name).sorted() == files, "run scripts/generate-builtin-themes")
        for (name, text) in BuiltinThemes.files {
            let bytes = try Data(contentsOf: Self.themesDirectory.appendingPathComponent("\(name).toml"))
            #expect(Array(text.utf8) == Array(bytes), "\(name).toml differs from the built-in copy: run scripts/generate-builtin-themes")
        }
    }

    @Test func shippedThemesLoadWithoutAnyThemeFolder() {
        for name in ["default", "light", "dark", "high-contrast", "mono"] {
            let (spec, problem) = ThemeLoader.load(named: name, from: [])
            #expect(problem == nil, "\(name): \(problem ?? "")")
            #expect(spec.name == name)
            #expect(spec == ThemeLoader.load(named: name, from: [Self.themesDirectory]).spec)
        }
        let (_, problem) = ThemeLoader.load(named: "purple", from: [])
        #expect(problem?.contains("dark") == true && problem?.contains("not found") == true)
    }

    @Test func aUserThemeOfTheSameNameWins() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-themes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("name = \"my dark\"\n[user]\nfg = \"red\"\n".utf8).write(to: directory.appendingPathComponent("dark.toml"))
        let (spec, problem) = ThemeLoader.load(named: "dark", from: [directory])
        #expect(problem == nil)
        #expect(spec.name == "my dark" && spec.roles[.user]?.foreground == .indexed(1))
    }

    @Test func searchMatchesStayVisibleOnTheSelectedRowInEveryTheme() {
        // The sidebar draws a match on the selected row as the selection plus the match's
        // attributes, so every theme's match must carry one besides its colour.
        for name in ["default", "light", "dark", "high-contrast", "mono"] {
            let theme = ThemeLoader.load(named: name, from: [Self.themesDirectory]).spec.resolved(colorCount: 256)
            #expect(!theme[.match].attributes.intersection([.bold, .underline, .reverse]).isEmpty, "\(name)")
            #expect(theme[.match] != theme[.sidebar], "\(name)")
        }
    }

    @Test func defaultThemeUsesOnlyTheSixteenColours() {
        let (spec, _) = ThemeLoader.load(named: "default", from: [Self.themesDirectory])
        let theme = spec.resolved(colorCount: 256)
        for role in ThemeRole.allCases {
            for color in [theme[role].foreground, theme[role].background] {
                if case .indexed(let index) = color { #expect(index < 16) }
            }
        }
    }

    @Test func monoThemeHasNoColours() {
        let (spec, _) = ThemeLoader.load(named: "mono", from: [Self.themesDirectory])
        let theme = spec.resolved(colorCount: 256)
        for role in ThemeRole.allCases {
            #expect(theme[role].foreground == .terminalDefault)
            #expect(theme[role].background == .terminalDefault)
        }
        #expect(theme[.selection].attributes.contains(.reverse))
    }

    @Test func noColorDropsColoursButKeepsAttributes() {
        #expect(ThemeLoader.colorCount(terminalColors: 256, environment: ["NO_COLOR": "1"]) == 0)
        #expect(ThemeLoader.colorCount(terminalColors: 256, environment: ["NO_COLOR": ""]) == 256)
        let theme = ThemeSpec.standard.resolved(colorCount: 0)
        #expect(theme[.user].foreground == .terminalDefault)
        #expect(theme[.user].attributes.contains(.bold))
    }

    @Test func brokenThemesGiveClearMessages() {
        #expect(throws: ConfigError(path: "t.toml", "user.fg: \"purplish\" is not a colour (use default, an ANSI name such as cyan or bright-red, 0–255, or #rrggbb)")) {
            try ThemeLoader.parse("[user]\nfg = \"purplish\"\n", path: "t.toml")
        }
        #expect(throws: ConfigError.self) { try ThemeLoader.parse("[usr]\nfg = \"red\"\n", path: "t.toml") }
        #expect(throws: ConfigError.self) { try ThemeLoader.parse("[user]\nbold = \"yes\"\n", path: "t.toml") }
        #expect(throws: ConfigError.self) { try ThemeLoader.parse("[user\n", path: "t.toml") }
        #expect(throws: ConfigError.self) { try ThemeLoader.parse("[user]\nfg = 300\n", path: "t.toml") }
    }

    @Test func brokenOrMissingFileFallsBackToDefaultWithAMessage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmterm-theme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "[user]\nfg = \"nope\"\n".write(to: directory.appendingPathComponent("bad.toml"), atomically: true, encoding: .utf8)
        let (spec, problem) = ThemeLoader.load(named: "bad", from: [directory])
        #expect(spec == .standard)
        #expect(problem?.contains("bad.toml: user.fg") == true)
        #expect(problem?.hasSuffix("using the default theme") == true)
        let (missing, missingProblem) = ThemeLoader.load(named: "solarized", from: [directory])
        #expect(missing == .standard)
        #expect(missingProblem?.contains("theme 'solarized' not found") == true)
    }
}
