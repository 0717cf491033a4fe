import Foundation
import GLMConversation
import GLMEngine
import Testing
@testable import GLMTools

@Suite struct ArgumentValidatorTests {
    func problem(_ arguments: String, _ schema: String) throws -> String? {
        let args = try JSONValue.parse(arguments), schemaValue = try JSONValue.parse(schema)
        do {
            try ArgumentValidator.validate(args, against: schemaValue, tool: "t")
            return nil
        } catch {
            return error.reason
        }
    }

    let schema = """
        {"type": "object", "properties": {"city": {"type": "string", "minLength": 1},
         "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
         "days": {"type": "integer", "minimum": 1, "maximum": 7},
         "ratio": {"type": "number"}, "flag": {"type": "boolean"},
         "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
         "where": {"type": "object", "properties": {"lat": {"type": "number"}}, "required": ["lat"]},
         "maybe": {"type": ["string", "null"]}},
         "required": ["city"]}
        """

    @Test func validArgumentsPass() throws {
        #expect(try problem(#"{"city": "Paris"}"#, schema) == nil)
        #expect(try problem(#"{"city": "Paris", "unit": "celsius", "days": 3, "ratio": 1, "flag": true, "tags": ["a"], "where": {"lat": 1.5}, "maybe": null}"#, schema) == nil)
        #expect(try problem(#"{"city": "x", "extra": 1}"#, schema) == nil)
        #expect(try problem(#"{"city": "x", "days": 2.0}"#, schema) == nil)
    }

    @Test(arguments: [
        (#"{}"#, "tool t: the required argument `city` is missing"),
        (#"{"city": 3}"#, "tool t: argument `city` must be a string, not an integer"),
        (#"{"city": ""}"#, "tool t: argument `city` must have at least 1 characters"),
        (#"{"city": "x", "unit": "kelvin"}"#, #"tool t: argument `unit` must be one of "celsius", "fahrenheit", not "kelvin""#),
        (#"{"city": "x", "days": 9}"#, "tool t: argument `days` must be at most 7"),
        (#"{"city": "x", "days": 0}"#, "tool t: argument `days` must be at least 1"),
        (#"{"city": "x", "days": 1.5}"#, "tool t: argument `days` must be an integer, not a number"),
        (#"{"city": "x", "ratio": "1"}"#, "tool t: argument `ratio` must be a number, not a string"),
        (#"{"city": "x", "flag": 1}"#, "tool t: argument `flag` must be a boolean (True or False), not an integer"),
        (#"{"city": "x", "tags": ["a", 2]}"#, "tool t: argument `tags[1]` must be a string, not an integer"),
        (#"{"city": "x", "tags": ["a", "b", "c"]}"#, "tool t: argument `tags` must have at most 2 items"),
        (#"{"city": "x", "where": {}}"#, "tool t: the required argument `where.lat` is missing"),
        (#"{"city": "x", "where": {"lat": "n"}}"#, "tool t: argument `where.lat` must be a number, not a string"),
        (#"{"city": "x", "maybe": 1}"#, "tool t: argument `maybe` must be a string or None, not an integer"),
    ])
    func mismatchesAreNamed(arguments: String, message: String) throws {
        #expect(try problem(arguments, schema) == message)
    }

    @Test func closedObjectsRefuseUnknownArguments() throws {
        let closed = #"{"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false}"#
        #expect(try problem(#"{"b": 1}"#, closed) == "tool t: unknown argument `b` (known: `a`)")
        #expect(try problem(#"{"b": 1}"#, #"{"type": "object", "additionalProperties": false}"#) == "tool t: unknown argument `b` (it takes none)")
    }

    @Test func schemasThisReaderDoesNotKnowAcceptAnything() throws {
        #expect(try problem(#"{"a": [1, {"b": null}]}"#, #"{}"#) == nil)
        #expect(try problem(#"{"a": 1}"#, #"{"type": "object", "properties": {"a": {"type": "fancy"}}}"#) == nil)
        #expect(try problem(#"{"a": 1}"#, #"{"type": "object", "properties": {"a": true}}"#) == nil)
    }

    @Test func deeplyNestedSchemasStop() throws {
        var schema = #"{"type": "string"}"#
        var value = "1"
        for _ in 0..<200 {
            schema = #"{"type": "array", "items": "# + schema + "}"
            value = "[" + value + "]"
        }
        _ = try problem(#"{"a": "# + value + "}", #"{"type": "object", "properties": {"a": "# + schema + "}}")
    }
}

@Suite struct RegistryTests {
    @Test func mergesSourcesAndTheFirstOfTwoNamesWins() async throws {
        let first = RecordingSource(name: "one", tools: [weatherTool])
        var other = weatherTool
        other.description = "another"
        let second = RecordingSource(name: "two", tools: [other, ToolDefinition(name: "time", description: "Now", parameters: .object([]))])
        let registry = ToolRegistry(sources: [first, second])
        let statuses = await registry.refresh()
        #expect(statuses.map(\.name) == ["one", "two"])
        #expect(statuses[1].shadowed == ["get_weather"])
        #expect(await registry.allTools.map(\.name) == ["get_weather", "time"])
        #expect(await registry.allTools.first?.description == "The weather of a city")
        let (definition, source) = try await registry.check(ToolCall(name: "time", arguments: .object([])))
        #expect(definition.name == "time" && source == "two")
    }

    @Test func thePromptListIsChatGLM3s() async throws {
        let registry = ToolRegistry(sources: [RecordingSource(tools: [weatherTool])])
        await registry.refresh()
        let list = try #require(await registry.promptTools)
        #expect(list.pythonDumps() == #"[{"name": "get_weather", "description": "The weather of a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}]"#)
    }

    @Test func disabledToolsAreNotOfferedNorRun() async throws {
        let registry = ToolRegistry(sources: [RecordingSource(tools: [weatherTool])])
        await registry.refresh()
        await registry.setEnabled("get_weather", false)
        #expect(await registry.promptTools == nil)
        await #expect(throws: ToolRefusal("there is no tool named `get_weather`; no tools are offered")) {
            try await registry.check(ToolCall(name: "get_weather", arguments: .object([("city", .string("x"))])))
        }
        await registry.setEnabled("get_weather", true)
        #expect(await registry.isEnabled("get_weather"))
    }

    @Test func namesCompareByBytes() async throws {
        // U+212A KELVIN SIGN equals "K" for String ==, not for a tool name.
        let registry = ToolRegistry(sources: [RecordingSource(tools: [ToolDefinition(name: "K", description: "", parameters: .object([]))])])
        await registry.refresh()
        await #expect(throws: ToolRefusal.self) { try await registry.check(ToolCall(name: "\u{212A}", arguments: .object([]))) }
    }

    @Test func aSourceThatThrowsIsReportedAndTheOthersWork() async throws {
        struct Broken: ToolSource {
            let name = "broken"
            func tools() async throws -> [ToolDefinition] { throw ToolRefusal("cannot reach it") }
            func call(_ tool: String, arguments: JSONValue) async throws -> ToolResult { ToolResult(text: "") }
        }
        let registry = ToolRegistry(sources: [Broken(), RecordingSource(tools: [weatherTool])])
        let statuses = await registry.refresh()
        #expect(statuses[0].error == "cannot reach it")
        #expect(await registry.enabledTools.map(\.name) == ["get_weather"])
    }
}

@Suite struct ToolListFileTests {
    @Test func readsBothStyles() throws {
        let text = """
            [{"name": "a", "description": "A", "parameters": {"type": "object", "properties": {}}},
             {"type": "function", "function": {"name": "b", "description": "B", "parameters": {"type": "object"}}},
             {"name": "c", "description": "C", "parameters": {}, "command": ["cat"], "timeout": 5, "auto": true}]
            """
        let file = try ToolListFile.parse(text, source: "t.json")
        #expect(file.entries.map(\.name) == ["a", "b", "c"])
        #expect(file.entries[1].description == "B")
        #expect(file.entries[2].command == ["cat"] && file.entries[2].timeout == 5 && file.entries[2].auto)
        #expect(file.entries[0].command.isEmpty)
    }

    @Test(arguments: [
        (#"{"name": "a"}"#, "t.json: expected a JSON array of tools"),
        (#"[{"type": "retrieval"}]"#, #"t.json: tool 1: an OpenAI-style tool needs "type": "function" and a "function" object"#),
        (#"[{"description": "x"}]"#, #"t.json: tool 1: "name" must be a non-empty string"#),
        (#"[{"name": "a", "parameters": []}]"#, #"t.json: tool 1: "parameters" of a must be a JSON Schema object"#),
        (#"[{"name": "a", "command": "ls"}]"#, #"t.json: tool 1: "command" of a must be a non-empty array of strings"#),
        (#"[{"name": "a"}, {"name": "a"}]"#, "t.json: tool 2: a second tool named a"),
    ])
    func refusesBadFiles(text: String, message: String) throws {
        #expect(throws: GLMError.self) { try ToolListFile.parse(text, source: "t.json") }
        do {
            _ = try ToolListFile.parse(text, source: "t.json")
        } catch {
            #expect("\(error)" == message)
        }
    }
}

@Suite struct ReplyReportTests {
    @Test func readsSegmentsAndCalls() {
        let report = ReplyReport.read("\nLet me look.<|assistant|>get_weather\n```python\ntool_call(city='北京', days=(1, 2))\n```")
        #expect(report.error == nil)
        #expect(report.json.pythonDumps() == #"{"segments": [{"metadata": "", "content": "Let me look."}, {"metadata": "get_weather", "content": "```python\ntool_call(city='北京', days=(1, 2))\n```"}], "tool_calls": [{"name": "get_weather", "arguments": {"city": "北京", "days": [1, 2]}}], "error": null}"#)
    }

    @Test func interpreterBlocksAreCallsWithTheirCode() {
        let report = ReplyReport.read("interpreter\n```python\nprint(1)\n```")
        #expect(report.calls == [ToolCall(name: "interpreter", arguments: .object([("code", .string("print(1)"))]))])
    }

    @Test func hostileCallsAreErrorsNotCalls() {
        let report = ReplyReport.read("x\n```python\ntool_call(a=__import__('os').system('id'))\n```")
        #expect(report.calls.isEmpty)
        #expect(report.error?.contains("a call (`__import__(`)") == true)
    }

    @Test func tools_parse_readsTheCodeByTheInterpretersOwnRule() {
        // `tools parse`, the loop and the app's card share InterpreterCode: a result block written
        // after the code is not the code, and the closing fence may end the code's last line
        let report = ReplyReport.read("interpreter\n```python\nx = 2\nprint(x)```\n```result\n2\n```")
        #expect(report.calls == [ToolCall(name: "interpreter", arguments: .object([("code", .string("x = 2\nprint(x)"))]))])
    }
}
