import Foundation
import GLMTestSupport
import Testing
@testable import GLMEngine

/// What glmchat's GGUF files tell llama.cpp beyond its own converter's keys: ChatGLM3's two turn ends
/// and its chat template, so llama-server needs no flags to talk to them.
@Suite struct LlamaCppChatTemplateTests {
    typealias F = LoadingFixtures

    @Test func theTurnEndsAreTheTokensSpelledUserAndObservation() throws {
        let vocab = try F.tinyVocabulary()
        let config = try ModelConfig.load(huggingFaceConfig: F.tiny + "/config.json")
        let m = try ChatGLMGGUF.metadata(config: config, name: "x", fileType: .q4_0, vocabulary: vocab, path: "/o")
        guard case .uint32(let eot)? = m["tokenizer.ggml.eot_token_id"], case .uint32(let eom)? = m["tokenizer.ggml.eom_token_id"] else {
            Issue.record("no eot or eom id: \(String(describing: m["tokenizer.ggml.eot_token_id"]))")
            return
        }
        #expect(vocab.tokens[Int(eot)].utf8 == Array("<|user|>".utf8))
        #expect(vocab.tokens[Int(eom)].utf8 == Array("<|observation|>".utf8))
        #expect(m["tokenizer.chat_template"] == .string(ChatGLMGGUF.chatTemplate))
    }

    @Test func aVocabularyWithoutChatTokensGetsNeitherEndsNorTemplate() throws {
        var vocab = try F.tinyVocabulary()
        let config = try ModelConfig.load(huggingFaceConfig: F.tiny + "/config.json")
        for (id, token) in vocab.tokens.enumerated() where token.utf8.first == UInt8(ascii: "<") {
            vocab.tokens[id] = ExactText("[renamed\(id)]")
        }
        let m = try ChatGLMGGUF.metadata(config: config, name: "x", fileType: .q4_0, vocabulary: vocab, path: "/o")
        #expect(m["tokenizer.ggml.eot_token_id"] == nil)
        #expect(m["tokenizer.ggml.eom_token_id"] == nil)
        #expect(m["tokenizer.chat_template"] == nil)
    }

    @Test func requantizingLlamaCppsFileAddsThemAndAFileWithItsOwnKeepsThem() throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        let output = dir + "/out.gguf"
        let input = try GGUFReader.read(path: F.llamaCppGGUF).metadata
        #expect(input["tokenizer.ggml.eot_token_id"] == nil && input["tokenizer.chat_template"] == nil)
        try GGUFConversion.requantize(try ModelFiles.open(path: F.llamaCppGGUF), to: .f32, output: output,
                                      threads: ComputeContext(threads: 1)) { _, _ in }
        let m = try GGUFReader.read(path: output).metadata
        let vocab = try F.tinyVocabulary()
        guard case .uint32(let eot)? = m["tokenizer.ggml.eot_token_id"] else {
            Issue.record("no eot id")
            return
        }
        #expect(vocab.tokens[Int(eot)].utf8 == Array("<|user|>".utf8))
        #expect(m["tokenizer.chat_template"] == .string(ChatGLMGGUF.chatTemplate))

        var own = input
        own["tokenizer.chat_template"] = .string("{{ messages }}")
        ChatGLMGGUF.addTurnKeys(to: &own, tokens: vocab.tokens)
        #expect(own["tokenizer.chat_template"] == .string("{{ messages }}"))
        #expect(own["tokenizer.ggml.eot_token_id"] == nil)
    }

    /// llama.cpp (src/llama-chat.cpp, `llm_chat_detect_template`) picks a built-in format from what a
    /// template contains, in order; ChatGLM3's is chosen by `[gMASK]sop`, and only when no earlier
    /// rule matched. These are the earlier rules a ChatGLM-like template could trip.
    @Test func withoutJinjaLlamaCppReadsTheTemplateAsItsChatGLM3Format() {
        let template = ChatGLMGGUF.chatTemplate.string
        #expect(template.contains("[gMASK]sop"))
        for earlier in ["<|im_start|>", "[INST]", "[gMASK]<sop>", "<|end|>", "<|user|>", "<|endoftext|>", "<start_of_turn>"] {
            #expect(!template.contains(earlier), "\(earlier)")
        }
        #expect(!template.hasPrefix("mistral"))
    }

    /// With Jinja (llama-server's default) the template is rendered; it must write what llama.cpp's
    /// built-in `chatglm3` format writes: `[gMASK]sop`, `<|role|>` + "\n " + content per message, and
    /// `<|assistant|>` when asked for a generation prompt.
    @Test(.enabled(if: pythonWithJinja != nil, "needs a python with jinja2 (GLMCHAT_TEST_PYTHON; .ci/run installs it)"))
    func rendersAsLlamaCppsBuiltInChatGLM3Format() throws {
        let messages: [(role: String, content: String)] = [
            ("system", "You are ChatGLM3."), ("user", "你好, what is 2+2?"), ("assistant", "4"), ("user", "Thanks\nbye"),
        ]
        var expected = "[gMASK]sop"
        for message in messages { expected += "<|\(message.role)|>\n \(message.content)" }
        let rendered = try Self.render(messages: messages, addGenerationPrompt: true)
        #expect(Array(rendered.utf8) == Array((expected + "<|assistant|>").utf8))
        let withoutPrompt = try Self.render(messages: messages, addGenerationPrompt: false)
        #expect(Array(withoutPrompt.utf8) == Array(expected.utf8))
    }

    @Test func ciPythonHasJinja() {
        if ProcessInfo.processInfo.environment["GLMCHAT_TEST_PYTHON"] != nil {
            #expect(pythonWithJinja == ProcessInfo.processInfo.environment["GLMCHAT_TEST_PYTHON"])
        }
    }

    /// The template rendered by jinja2 as Hugging Face renders chat templates (trim_blocks, lstrip_blocks).
    static func render(messages: [(role: String, content: String)], addGenerationPrompt: Bool) throws -> String {
        let payload: [String: Any] = [
            "template": ChatGLMGGUF.chatTemplate.string,
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
            "add_generation_prompt": addGenerationPrompt,
        ]
        let script = """
            import json, sys, jinja2
            p = json.load(sys.stdin)
            env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
            out = env.from_string(p["template"]).render(messages=p["messages"], add_generation_prompt=p["add_generation_prompt"])
            sys.stdout.buffer.write(out.encode("utf-8"))
            """
        guard let python = pythonWithJinja else { throw GLMError(.unsupported, "no python with jinja2") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: payload))
        try input.fileHandleForWriting.close()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw GLMError(.badValue, "jinja2 failed with status \(process.terminationStatus)") }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A python with jinja2 (CI's venv: GLMCHAT_TEST_PYTHON), or nil.
let pythonWithJinja = TestPython.importing("jinja2")
