import Foundation
import GLMConversation
import GLMTools
import Testing
@testable import GLMTerm

@Suite struct ToolConfigurationTests {
    @Test func readsCommandToolsMCPServersAndRounds() throws {
        let text = """
        max_tool_rounds = 3

        [[tools]]
        name = "get_weather"
        description = "The weather of a city"
        command = ["/usr/local/bin/weather", "--json"]
        timeout = 5
        auto = true
        parameters = '{"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}}, "required": ["city"]}'

        [[tools]]
        name = "roll"
        command = ["roll"]
        [tools.parameters]
        type = "object"
        required = ["sides"]
        [tools.parameters.properties.sides]
        type = "integer"
        minimum = 2

        [[mcp_servers]]
        name = "files"
        command = ["python3", "server.py"]
        timeout = 2.5
        """
        let configuration = try ChatConfiguration.parse(text, path: "config.toml")
        #expect(configuration.maxToolRounds == 3)
        #expect(configuration.commandTools.count == 2)
        let weather = configuration.commandTools[0]
        #expect(weather.name == "get_weather" && weather.command == ["/usr/local/bin/weather", "--json"])
        #expect(weather.timeout == 5 && weather.auto)
        // A JSON string keeps its key order.
        #expect(weather.parameters.pythonDumps() == #"{"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}}, "required": ["city"]}"#)
        let roll = configuration.commandTools[1]
        #expect(roll.description == "" && !roll.auto && roll.timeout == CommandToolSpec.defaultTimeout)
        // A TOML table's keys in schema order.
        #expect(roll.parameters.pythonDumps() == #"{"type": "object", "properties": {"sides": {"type": "integer", "minimum": 2}}, "required": ["sides"]}"#)
        #expect(configuration.mcpServers == [MCPServerSpec(name: "files", command: ["python3", "server.py"], timeout: 2.5)])
    }

    @Test(arguments: [
        ("[[tools]]\nname = \"t\"\n", "config.toml: tool 't' needs command = [\"program\", \"argument\", …]"),
        ("[[tools]]\nname = \"t\"\ncommand = []\n", "config.toml: tool 't': command must be a non-empty array of strings, the program first"),
        ("[[tools]]\nname = \"two words\"\ncommand = [\"x\"]\n", "config.toml: tools[0] needs name = \"…\" (letters, digits, _ and -)"),
        ("[[tools]]\nname = \"interpreter\"\ncommand = [\"x\"]\n", "config.toml: tools[0] needs name = \"…\" (letters, digits, _ and -)"),
        ("[[tools]]\nname = \"t\"\ncommand = [\"x\"]\nparameters = \"{nope\"\n", nil),
        ("[[tools]]\nname = \"t\"\ncommand = [\"x\"]\nparameters = \"[1]\"\n", "config.toml: tool 't': parameters must be a JSON Schema object"),
        ("[[tools]]\nname = \"t\"\ncommand = [\"x\"]\ntimeout = -1\n", "config.toml: tool 't': timeout must be a number of seconds above 0 (at most 86400)"),
        ("[[tools]]\nname = \"t\"\ncommand = [\"x\"]\nauto = \"yes\"\n", "config.toml: tool 't': auto must be true or false"),
        ("[[tools]]\nname = \"t\"\ncommand = [\"x\"]\nshell = true\n", "config.toml: tools[0]: unknown key 'shell' (known: auto, command, description, name, parameters, timeout)"),
        ("[[tools]]\nname = \"t\"\ncommand = [\"x\"]\n[[tools]]\nname = \"t\"\ncommand = [\"y\"]\n", "config.toml: two tools are named 't'"),
        ("[[mcp_servers]]\ncommand = [\"x\"]\n", "config.toml: mcp_servers[0] needs name = \"…\""),
        ("[[mcp_servers]]\nname = \"m\"\ncommand = \"x\"\n", "config.toml: MCP server 'm' needs command = [\"program\", \"argument\", …]"),
        ("max_tool_rounds = 0\n", "config.toml: max_tool_rounds must be a whole number from 1 to 100"),
        ("tools = 1\n", "config.toml: tools must be an array of tables: [[tools]]"),
    ] as [(String, String?)])
    func mistakesAreNamed(text: String, message: String?) {
        do {
            _ = try ChatConfiguration.parse(text, path: "config.toml")
            Issue.record("accepted: \(text)")
        } catch {
            if let message { #expect(error.description == message) } else { #expect(error.description.contains("parameters is not valid JSON")) }
        }
    }
}
