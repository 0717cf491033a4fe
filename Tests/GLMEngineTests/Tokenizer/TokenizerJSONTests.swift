import Testing
@testable import GLMEngine

/// The ordered JSON value used for tool lists. Expected texts are what Python 3's
/// `json.dumps(..., ensure_ascii=False)` printed for the same input.
@Suite struct TokenizerJSONTests {
    @Test func floatsPrintLikePythonRepr() {
        let cases: [(Double, String)] = [
            (0.1, "0.1"), (1e16, "1e+16"), (1234567890123456.0, "1234567890123456.0"), (1e-5, "1e-05"),
            (0.0001, "0.0001"), (-0.0, "-0.0"), (0.0, "0.0"), (Double.leastNonzeroMagnitude, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (123456789012345678.0, "1.2345678901234568e+17"),
            (2.5, "2.5"), (1e22, "1e+22"), (100.0, "100.0"), (-3.14e-7, "-3.14e-07"), (0.5e-4, "5e-05"),
            (.infinity, "Infinity"), (-.infinity, "-Infinity"), (.nan, "NaN"),
        ]
        for (value, expected) in cases {
            #expect(JSONValue.double(value).pythonDumps() == expected, "\(value)")
        }
    }

    @Test func keyOrderDuplicatesAndEscapes() throws {
        let input = #"{"b": [1, 2.0, {}, [], null, true, false], "a": "é\n\u0001\\\"\t\b\f\r\u007f\u2028😀", "b": 3, "c": {"x": [[]]}}"#
        let value = try JSONValue.parse(input)
        let expectedIndented = """
            {
                "b": 3,
                "a": "é\\n\\u0001\\\\\\"\\t\\b\\f\\r\u{7F}\u{2028}😀",
                "c": {
                    "x": [
                        []
                    ]
                }
            }
            """
        #expect(value.pythonDumps(indent: 4) == expectedIndented)
        #expect(value.pythonDumps() == #"{"b": 3, "a": "é\n\u0001\\\"\t\b\f\r"# + "\u{7F}\u{2028}😀" + #"", "c": {"x": [[]]}}"#)
        #expect(try JSONValue.parse("[1E2, -0, 1.5E+3, 1e400]").pythonDumps() == "[100.0, 0, 1500.0, Infinity]")
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(value["c"]?["x"] == .array([.array([])]))
    }

    @Test func parsedToolListPrintsBackExactly() throws {
        let tools = """
            [
                {
                    "name": "track",
                    "description": "追踪指定股票的实时价格",
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "symbol": {
                                "description": "需要追踪的股票代码"
                            }
                        },
                        "required": [
                            "symbol"
                        ]
                    }
                }
            ]
            """
        #expect(try JSONValue.parse(tools).pythonDumps(indent: 4) == tools)
    }

    @Test func invalidJSONIsRejectedWithAPosition() {
        let bad = ["", "[1, 2", "{\"a\" 1}", "[01]", "[1.]", "\"\\ud800\"", "\"tab\there\"", "[1] x",
                   "99999999999999999999", "{\"a\": tru}", "[\"\\x\"]", String(repeating: "[", count: 600)]
        for text in bad {
            let error = #expect(throws: GLMError.self, "\(text.prefix(20))") {
                try JSONValue.parse(text, source: "messages.json")
            }
            #expect(error?.kind == .badFormat)
            #expect(error?.path == "messages.json")
            #expect(error?.problem.hasPrefix("invalid JSON at line 1, column ") == true)
        }
    }
}

/// Conversations read from JSON (the `glmchat tokenize --messages` format).
@Suite struct TokenizerConversationJSONTests {
    @Test func conversationFileGivesTheOriginalIds() throws {
        let tokenizer = try TokenizerFixtures.real()
        let chats = try #require(try TokenizerFixtures.realExpected().field("chats").arrayValue)
        for chat in chats {
            var messages = try #require(try chat.field("history").arrayValue)
            messages.append(.object([("role", try chat.field("role")), ("content", try chat.field("query"))]))
            let text = JSONValue.array(messages).pythonDumps(indent: 2)
            let conversation = try Conversation.fromJSON(text, source: "chat.json")
            let ids = tokenizer.encodeChat(conversation)
            let name = try chat.field("name").string()
            #expect(ids == (try chat.field("build_chat_input_ids").ids()), "\(name)")
        }
    }

    @Test func badMessagesAreNamed() {
        let cases: [(String, String)] = [
            (#"{"role": "user"}"#, "expected a JSON array of messages"),
            (#"[1]"#, "message 1: expected an object"),
            (#"[{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}]"#,
             #"message 2: unknown role "bot" (system, user, assistant or observation)"#),
            (#"[{"role": "user"}]"#, #"message 1: "content" must be a string"#),
            (#"[{"role": "user", "content": "a", "metadata": 3}]"#, #"message 1: "metadata" must be a string"#),
            (#"[{"role": "user", "content": "a", "tools": []}]"#, #"message 1: only the first message, a system message, can carry "tools""#),
            (#"[{"role": "system", "content": "a"}, {"role": "system", "content": "b", "tools": []}]"#,
             #"message 2: only the first message, a system message, can carry "tools""#),
            (#"[{"role": "user", "content": "a", "name": "x"}]"#,
             #"message 1: unknown key "name" (allowed: role, content, metadata, tools)"#),
        ]
        for (text, problem) in cases {
            #expect(throws: GLMError(.badFormat, path: "chat.json", problem)) {
                try Conversation.fromJSON(text, source: "chat.json")
            }
        }
    }
}
