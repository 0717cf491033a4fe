import Foundation
import Testing
@testable import GLMEngine

/// A tool call's code and the JSON CPython gives for its arguments (`ToolCallCases.swift`).
struct ToolCallCase: CustomTestStringConvertible, Sendable {
    let label: String
    let code: String
    let json: String
    init(_ label: String, code: String, json: String) {
        self.label = label
        self.code = code
        self.json = json
    }
    var testDescription: String { label }
}

/// Code the parser must refuse, and a part of the message it must give.
struct RefusedCall: CustomTestStringConvertible, Sendable {
    let code: String
    let message: String
    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
    var testDescription: String { String(code.prefix(60)) }
}

let refusedToolCalls: [RefusedCall] = [
    RefusedCall("__import__('os').system('rm -rf /')", "expected tool_call(…), found `__import__`"),
    RefusedCall("tool_call(a=__import__('os').system('ls'))", "a call (`__import__(`)"),
    RefusedCall("tool_call(a=os.system('ls'))", "an attribute (`os.`)"),
    RefusedCall("tool_call(a=lambda: 1)", "a lambda"),
    RefusedCall("tool_call(a=x)", "a name (`x`)"),
    RefusedCall("tool_call(a=__builtins__)", "a name (`__builtins__`)"),
    RefusedCall("tool_call(a=().__class__.__bases__[0].__subclasses__())", "an attribute"),
    RefusedCall("tool_call(a=[].__class__)", "an attribute"),
    RefusedCall("tool_call(a='x'.join(['a']))", "an attribute"),
    RefusedCall("tool_call(a=[1][0])", "a subscript"),
    RefusedCall("tool_call(a=(1)(2))", "a call"),
    RefusedCall("tool_call(a=1+2)", "an operator (`+`)"),
    RefusedCall("tool_call(a=2**10)", "an operator (`**`)"),
    RefusedCall("tool_call(a=1 == 1)", "an operator (`==`)"),
    RefusedCall("tool_call(a=7 // 2)", "an operator (`//`)"),
    RefusedCall("tool_call(a=~1)", "unexpected `~1)`"),
    RefusedCall("tool_call(a=f'{x}')", "an f-string"),
    RefusedCall("tool_call(a=rf'{x}')", "an f-string"),
    RefusedCall("tool_call(a=b'bytes')", "a bytes literal"),
    RefusedCall("tool_call(a={1, 2})", "a set"),
    RefusedCall("tool_call(a={'only'})", "a set"),
    RefusedCall("tool_call(a=1j)", "a complex number"),
    RefusedCall("tool_call(a=1+2j)", "an operator (`+`)"),
    RefusedCall("tool_call(a=...)", "Ellipsis"),
    RefusedCall("tool_call(1, 2)", "positional arguments are not allowed"),
    RefusedCall("tool_call('x')", "positional arguments are not allowed"),
    RefusedCall("tool_call(a=1, 2)", "positional arguments are not allowed"),
    RefusedCall("tool_call(*args)", "unpacking"),
    RefusedCall("tool_call(**{'a': 1})", "unpacking"),
    RefusedCall("tool_call(a={**b})", "unpacking"),
    RefusedCall("tool_call(a=[*b])", "unpacking"),
    RefusedCall("tool_call(a=1, a=2)", "keyword argument `a` is repeated"),
    RefusedCall("tool_call(class=1)", "`class` is a Python keyword"),
    RefusedCall("tool_call(a='unterminated)", "unterminated string"),
    RefusedCall("tool_call(a=\"\"\"never closed)", "unterminated string"),
    RefusedCall("tool_call(a='line\nbreak')", "unterminated string (a line ends inside it)"),
    RefusedCall("tool_call(a=r'\\')", "unterminated string"),
    RefusedCall("tool_call(a='\\", "unterminated string"),
    RefusedCall("tool_call(a=[1, 2)", "expected `,` or `]`"),
    RefusedCall("tool_call(a=" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + ")", "nested deeper than 64 levels"),
    RefusedCall("tool_call(a=" + String(repeating: "(", count: 100_000), "nested deeper than 64 levels"),
    RefusedCall("tool_call(a=" + String(repeating: "{'k': ", count: 70) + "1" + String(repeating: "}", count: 70) + ")", "nested deeper than 64 levels"),
    RefusedCall("tool_call(a='" + String(repeating: "x", count: 300_000) + "')", "at most 262144 are read"),
    RefusedCall("tool_call(a=1) tool_call(b=2)", "text after the call"),
    RefusedCall("tool_call(a=1)\nprint('done')", "text after the call"),
    RefusedCall("other_tool(a=1)", "expected tool_call(…), found `other_tool`"),
    RefusedCall("exec(\"import os\")", "found `exec`"),
    RefusedCall("import os", "found `import`"),
    RefusedCall("tool_call(a=[x for x in range(3)])", "a name (`x`)"),
    RefusedCall("tool_call(a=[1 for x in y])", "an expression (`for`)"),
    RefusedCall("tool_call(a=(1 if True else 2))", "an expression (`if`)"),
    RefusedCall("tool_call(a=not True)", "an expression (`not`)"),
    RefusedCall("tool_call(a=await x)", "an expression (`await`)"),
    RefusedCall("tool_call(a=01)", "leading zeros"),
    RefusedCall("tool_call(a=1__0)", "misplaced `_`"),
    RefusedCall("tool_call(a=1_)", "ends in `_`"),
    RefusedCall("tool_call(a=0x)", "no digits"),
    RefusedCall("tool_call(a=0b102)", "invalid number literal `0b102`"),
    RefusedCall("tool_call(a=1abc)", "invalid number literal"),
    RefusedCall("tool_call(a=99999999999999999999)", "too large"),
    RefusedCall("tool_call(a=1e999)", "out of range"),
    RefusedCall("tool_call(a='\\x4')", "truncated \\x escape"),
    RefusedCall("tool_call(a='\\u12')", "truncated \\u escape"),
    RefusedCall("tool_call(a='\\ud800')", "a lone surrogate (U+D800)"),
    RefusedCall("tool_call(a='\\udc00\\ud800')", "a lone surrogate (U+DC00)"),
    RefusedCall("tool_call(a='\\U00110000')", "beyond Unicode"),
    RefusedCall("tool_call(a='\\N{NO SUCH CHARACTER NAME}')", "unknown Unicode character name"),
    RefusedCall("tool_call(a='\\N{LATIN')", "malformed \\N{…} escape"),
    RefusedCall("tool_call(a={[1]: 2})", "a dict key must be a string, number, True, False or None"),
    RefusedCall("tool_call(a={(1, 2): 3})", "a dict key must be"),
    RefusedCall("tool_call(a=--1)", "a sign (`-`) is allowed only before a number"),
    RefusedCall("tool_call(a=-True)", "a sign (`-`) is allowed only before a number"),
    RefusedCall("tool_call(a=(x:=1))", "a name (`x`)"),
    RefusedCall("", "the code block is empty"),
    RefusedCall("   \n  # only a comment\n", "the code block is empty"),
    RefusedCall("tool_call", "expected `(` after tool_call"),
    RefusedCall("tool_call(a=1", "the text ends where `,` or `)` was expected"),
    RefusedCall("tool_call(a=)", "unexpected `)`"),
    RefusedCall("tool_call(a: 1)", "positional arguments are not allowed"),
    RefusedCall("tool_call(a={'k' 1})", "expected `:` after a dict key"),
    RefusedCall("tool_call(a=1;b=2)", "expected `,` or `)`"),
    RefusedCall("tool_call(a=`1`)", "unexpected"),
]

@Suite struct ToolCallParserTests {
    @Test(arguments: validToolCalls)
    func readsEveryLiteralFormAsCPythonDoes(_ example: ToolCallCase) throws {
        let arguments = try ToolCallParser.parseArguments(code: example.code)
        #expect(arguments.pythonDumps().isByteEqual(to: example.json), "\(arguments.pythonDumps())")
        #expect(arguments == (try JSONValue.parse(example.json)))
    }

    @Test(arguments: refusedToolCalls)
    func refusesWhatIsNotALiteralWithAClearMessage(_ example: RefusedCall) {
        do {
            let arguments = try ToolCallParser.parseArguments(code: example.code)
            Issue.record("accepted: \(arguments.pythonDumps())")
        } catch let error as GLMError {
            #expect(error.description.contains(example.message), "\(error.description)")
            #expect(error.kind == .badFormat)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func errorsNameTheLineAndColumn() {
        #expect(throws: GLMError(.badFormat, "tool call, line 2, column 7: a name (`os`) is not allowed: only literals are (strings, numbers, True, False, None, lists, tuples, dicts)")) {
            try ToolCallParser.parseArguments(code: "tool_call(\n    a=os)")
        }
    }

    @Test func joinsAnEscapedSurrogatePairIntoOneCharacter() throws {
        // Python keeps the two surrogates; JSON written from them reads back as this one character.
        let arguments = try ToolCallParser.parseArguments(code: #"tool_call(s='\ud83d\ude00')"#)
        #expect(arguments["s"] == .string("😀"))
    }

    @Test func argumentsJSONIsWhatTheOriginalServerSends() throws {
        let call = try ToolCallParser.parseCall(name: "get_weather",
                                               content: "```python\ntool_call(location='北京', unit=\"celsius\")\n```")
        #expect(call.name == "get_weather")
        #expect(call.argumentsJSON.isByteEqual(to: #"{"location": "北京", "unit": "celsius"}"#))
    }

    // MARK: The fenced block

    @Test func readsTheBlockWithTextAroundIt() throws {
        let content = "Let me look that up.\n```python\ntool_call(query='swift')\n```\nOne moment."
        #expect(try ToolCallParser.parseCall(name: "search", content: content).arguments["query"] == .string("swift"))
    }

    @Test func readsCodeWithoutFences() throws {
        #expect(try ToolCallParser.parseCall(name: "t", content: "tool_call(a=1)").arguments == .object([("a", .int(1))]))
    }

    @Test func readsABareOrPyFence() throws {
        for fence in ["```", "```py", "``` python "] {
            #expect(try ToolCallParser.parseCall(name: "t", content: "\(fence)\ntool_call(a=1)\n```").arguments["a"] == .int(1))
        }
    }

    @Test func refusesAnotherLanguageAndAnUnclosedBlock() {
        #expect(throws: GLMError.self) { try ToolCallParser.parseCall(name: "t", content: "```json\n{\"a\": 1}\n```") }
        #expect(throws: GLMError(.badFormat, "tool call: the ``` block is not closed (was the reply cut short?)")) {
            try ToolCallParser.parseCall(name: "t", content: "```python\ntool_call(a=1)")
        }
    }

    // MARK: Segments

    @Test func aPlainReplyIsOneTextSegment() {
        #expect(ToolCallParser.segments(metadata: "", content: "Hello there.") == [ReplySegment(metadata: "", content: "Hello there.")])
    }

    @Test func aToolReplyIsOneSegmentWithItsName() {
        let content = "```python\ntool_call(city='Paris')\n```"
        #expect(ToolCallParser.segments(metadata: "get_weather", content: content)
            == [ReplySegment(metadata: "get_weather", content: content)])
    }

    @Test func severalSegmentsSplitAtTheAssistantHeader() throws {
        let content = "I will check the weather.<|assistant|>get_weather\n```python\ntool_call(city='Paris')\n```"
        let segments = ToolCallParser.segments(metadata: "", content: content)
        #expect(segments.count == 2)
        #expect(segments.first == ReplySegment(metadata: "", content: "I will check the weather."))
        #expect(segments.last?.metadata == "get_weather")
        let call = try ToolCallParser.parseCall(name: "get_weather", content: try #require(segments.last).content)
        #expect(call.arguments["city"] == .string("Paris"))
    }

    @Test func twoToolCallsInOneReply() throws {
        let raw = "search\n```python\ntool_call(q='a')\n```<|assistant|>search\n```python\ntool_call(q='b')\n```"
        let segments = ToolCallParser.segments(ofRawReply: raw)
        #expect(segments.map(\.metadata) == ["search", "search"])
        #expect(try segments.map { try ToolCallParser.parseCall(name: $0.metadata, content: $0.content).arguments["q"] }
            == [.string("a"), .string("b")])
    }

    @Test func aHeaderAtTheVeryStartLeavesNoEmptySegment() {
        let segments = ToolCallParser.segments(metadata: "<|assistant|>interpreter", content: "```python\nprint(1)\n```")
        #expect(segments == [ReplySegment(metadata: "interpreter", content: "```python\nprint(1)\n```")])
    }

    @Test func theHeaderIsFoundByItsBytes() {
        // A combining mark after ">" makes one grapheme of it: a search by characters would miss the header.
        let segments = ToolCallParser.segments(metadata: "", content: "a<|assistant|>\u{301}b")
        #expect(segments.map(\.content) == ["a", "\u{301}b"])
    }

    @Test func plainSegmentsAreTrimmedAndEmptyOnesDropped() {
        let segments = ToolCallParser.segments(ofRawReply: "\n  Hello  \n<|assistant|>\n   <|assistant|>\nBye")
        #expect(segments.map(\.content) == ["Hello", "Bye"])
        #expect(segments.allSatisfy { !$0.hasMetadata })
    }

    // MARK: Writing a call back

    @Test func formatsValuesAsPythonLiteralsInTheModelsQuotes() {
        // Each expected literal evaluates, in CPython, to the string or value given.
        #expect(ToolCallFormatter.literal("it's") == #""it's""#)
        #expect(ToolCallFormatter.literal("a\"b'c") == #""a\"b'c""#)
        #expect(ToolCallFormatter.literal("\u{0}\u{7F}\u{200B}\u{2028}\u{A0}é😀\u{F0000}") == #""\x00\x7f\u200b\u2028\xa0é😀\U000f0000""#)
        #expect(ToolCallFormatter.literal("tab\tnew\nret\rback\\") == #""tab\tnew\nret\rback\\""#)
        #expect(ToolCallFormatter.call(arguments: .object([("a", .int(1)), ("b", .array([.bool(true), .null, .double(0.5)])),
                                                           ("c", .object([("k", .string("v"))]))]))
            == #"tool_call(a=1, b=[True, None, 0.5], c={"k": "v"})"#)
        #expect(ToolCallFormatter.content(arguments: .object([("location", .string("beijing")), ("unit", .string("celsius"))]))
            == "```python\ntool_call(location=\"beijing\", unit=\"celsius\")\n```")
    }

    @Test func aFormattedCallReadsBackToTheSameArguments() throws {
        for example in validToolCalls {
            let arguments = try JSONValue.parse(example.json)
            let content = ToolCallFormatter.content(arguments: arguments)
            #expect(try ToolCallParser.parseCall(name: "t", content: content).arguments == arguments, "\(example.label)")
        }
    }
}
