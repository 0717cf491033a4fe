import Testing
@testable import GLMEngine
@testable import GLMOpenAI
@testable import GLMServer

/// The server's view of an answer as it streams: stop strings by bytes, segments, tool calls.
@Suite struct ReplyStreamerTests {
    /// Feeds `events` and returns every delta, then those `finish` adds.
    func run(_ streamer: inout ReplyStreamer, _ events: [ChatEvent]) -> [ReplyDelta] {
        var deltas: [ReplyDelta] = []
        for event in events { deltas += streamer.take(event) }
        return deltas + streamer.finish()
    }

    func text(_ deltas: [ReplyDelta]) -> String {
        deltas.reduce(into: "") { if case .content(let piece) = $1 { $0 += piece } }
    }

    @Test func plainTextStreamsAsItComes() {
        var streamer = ReplyStreamer(stops: [], toolOffer: nil, segmented: true)
        #expect(streamer.take(.text("Hello")) == [.content("Hello")])
        #expect(streamer.take(.text(", world")) == [.content(", world")])
        #expect(streamer.finish().isEmpty)
    }

    @Test func aStopStringCutsTheAnswerBeforeIt() {
        var streamer = ReplyStreamer(stops: ["END"], toolOffer: nil, segmented: true)
        let deltas = run(&streamer, [.text("one two E"), .text("N"), .text("D three")])
        #expect(text(deltas) == "one two ")
        #expect(streamer.stoppedByString)
    }

    @Test func aTailThatMayStartAStopStringWaitsAndIsReleasedWhenItDoesNot() {
        var streamer = ReplyStreamer(stops: ["<stop>"], toolOffer: nil, segmented: false)
        #expect(streamer.take(.text("a <st")) == [.content("a ")])
        #expect(streamer.take(.text("ay>")) == [.content("<stay>")])
        #expect(!streamer.stoppedByString)
    }

    @Test func theEarliestOfSeveralStopStringsWins() {
        var streamer = ReplyStreamer(stops: ["zz", "b"], toolOffer: nil, segmented: false)
        #expect(text(run(&streamer, [.text("aaabzz")])) == "aaa")
    }

    @Test func stopStringsMatchByBytesNotByCanonicalEquivalence() {
        // U+F98E and U+5E74 are equal to Swift's String ==, but are different tokens and bytes.
        var streamer = ReplyStreamer(stops: ["\u{F98E}"], toolOffer: nil, segmented: false)
        #expect(text(run(&streamer, [.text("A\u{5E74}B")])) == "A\u{5E74}B")
        #expect(!streamer.stoppedByString)
        var exact = ReplyStreamer(stops: ["\u{F98E}"], toolOffer: nil, segmented: false)
        #expect(text(run(&exact, [.text("A\u{F98E}B")])) == "A")
    }

    @Test func aStopStringSplitAcrossAMultibyteCharacterBoundary() {
        var streamer = ReplyStreamer(stops: ["你好"], toolOffer: nil, segmented: false)
        #expect(text(run(&streamer, [.text("说"), .text("你"), .text("好吗")])) == "说")
    }

    let weather = ToolOffer(style: .tools, names: ["get_weather"])

    @Test func aToolSegmentBecomesACall() {
        var streamer = ReplyStreamer(stops: [], toolOffer: weather, segmented: true)
        let deltas = run(&streamer, [.metadata("get_weather"), .text("```python\ntool_call(ci"), .text("ty='Paris')\n```")])
        #expect(deltas == [.toolCall(ToolCall(name: "get_weather", arguments: .object([("city", .string("Paris"))])))])
    }

    @Test func textThenAToolCallAfterAnAssistantHeader() {
        var streamer = ReplyStreamer(stops: ["never"], toolOffer: weather, segmented: true)
        let deltas = run(&streamer, [.text("Let me check."), .text("<|assistant|>"), .text("get_weather\n"),
                                      .text("```python\ntool_call(city=\"Oslo\")\n```")])
        #expect(deltas == [.content("Let me check."),
                           .toolCall(ToolCall(name: "get_weather", arguments: .object([("city", .string("Oslo"))])))])
    }

    @Test func aHeaderSplitAcrossPiecesIsStillFound() {
        var streamer = ReplyStreamer(stops: [], toolOffer: weather, segmented: true)
        let deltas = run(&streamer, [.text("Sure.<|assis"), .text("tant|>get_weather\n```python\ntool_call()\n```")])
        #expect(deltas == [.content("Sure."), .toolCall(ToolCall(name: "get_weather", arguments: .object([])))])
    }

    @Test func aCallThatDoesNotParseGoesOutAsText() {
        var streamer = ReplyStreamer(stops: [], toolOffer: weather, segmented: true)
        let deltas = run(&streamer, [.metadata("get_weather"), .text("```python\ntool_call(city=os.environ)\n```")])
        #expect(deltas == [.content("```python\ntool_call(city=os.environ)\n```")])
        #expect(streamer.toolCalls.isEmpty)
        #expect(streamer.unreadableCalls.first?.contains("an attribute") == true)
    }

    @Test func metadataOfAToolNotOfferedIsDroppedAndItsContentStreams() {
        var streamer = ReplyStreamer(stops: [], toolOffer: nil, segmented: true)
        #expect(text(run(&streamer, [.metadata("interpreter"), .text("```python\nprint(1)\n```")])) == "```python\nprint(1)\n```")
    }

    @Test func aLaterTextSegmentLosesItsLeadingWhitespace() {
        var streamer = ReplyStreamer(stops: [], toolOffer: nil, segmented: true)
        #expect(text(run(&streamer, [.text("A<|assistant|>\n  "), .text("  B")])) == "AB")
    }

    @Test func plainCompletionHasNoSegments() {
        var streamer = ReplyStreamer(stops: [], toolOffer: nil, segmented: false)
        #expect(text(run(&streamer, [.text("x<|assistant|>y")])) == "x<|assistant|>y")
    }
}
