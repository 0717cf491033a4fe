import Testing
@testable import GLMTerm

/// Table names toml++ would assert on (aborting glmchat) are refused as configuration errors.
@Suite struct TOMLTableHeaderCheckTests {
    @Test func badTableNamesAreErrorsNotCrashes() {
        #expect(throws: ConfigError(path: "config.toml", "line 3: a table name cannot start with '&' (use letters, digits, _ and -, or quote it)")) {
            _ = try ChatConfiguration.parse("theme = \"dark\"\n\n[[&models]]\nname = \"chat\"\n", path: "config.toml")
        }
        #expect(throws: ConfigError(path: "t.toml", "line 1: a table name cannot start with '@' (use letters, digits, _ and -, or quote it)")) {
            _ = try ThemeLoader.parse("[@user]\nfg = \"red\"\n", path: "t.toml")
        }
    }

    @Test func headersAreFoundOnlyWhereTomlSeesThem() {
        #expect(TOMLTableHeaderCheck.firstBadHeader(in: "[[models]]\n[ \"quoted\" ]\n[x.y]\n['lit']\n[]") == nil)
        #expect(TOMLTableHeaderCheck.firstBadHeader(in: "a = [\n[1, 2],\n]\n") == nil)
        #expect(TOMLTableHeaderCheck.firstBadHeader(in: "a = \"\"\"\n[@x]\n\"\"\"\n# [@y]\n") == nil)
        let quoted = TOMLTableHeaderCheck.firstBadHeader(in: "a = \"[\\\"\"\n  [  $x ]")
        #expect(quoted?.line == 2 && quoted?.character == "$")
    }
}
