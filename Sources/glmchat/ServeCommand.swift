import ArgumentParser
import Foundation
import GLMEngine
import GLMServer
import GLMTerm

/// `glmchat serve`: the OpenAI-compatible HTTP API (see the README's "Serving" section).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over an OpenAI-compatible HTTP API (chat, completions, tokenize, models, health, metrics).",
        discussion: """
            Models: each --model is a GGUF file, a Hugging Face directory or the name of a config.toml entry; \
            without --model, every local model of config.toml is served. With --parallel 1 (the default) a \
            model's engine answers one request at a time and reuses the cached prefix of a continued \
            conversation, other conversations' caches kept within --conversation-cache-mb; with --parallel N \
            the answers of up to N requests decode together, one pass over the weights per step for all of \
            them, within --kv-budget-mb, and finished answers' caches stay in what the budget leaves free, so \
            a continued conversation reads only its new part. --queue more may wait; beyond both the server \
            answers 503 with Retry-After.
            """)

    @Option(name: .customLong("model"), help: "A GGUF file, a Hugging Face directory, or a config.toml model name (repeatable).")
    var models: [String] = []

    @Option(help: "tokenizer.model for the --model files that do not embed one (a config.toml model uses its own tokenizer entry).")
    var tokenizer: String?

    @Option(help: "The address to listen on (anything but loopback without an API key prints a warning).")
    var host = "127.0.0.1"

    @Option(help: "The port (0 picks a free one, printed when listening).")
    var port = 8000

    @Option(name: .customLong("api-key"), help: "Require Authorization: Bearer KEY (default: $GLMCHAT_API_KEY).")
    var apiKey: String?

    @Option(help: "Requests each model works on at once; above 1 their answers decode together (continuous batching).")
    var parallel = 1

    @Option(name: .customLong("kv-budget-mb"), help: "With --parallel above 1: the KV cache memory the answers decoding together may reserve, in MiB (default: a full window for each, and half a window more for reading the next slide's kept part ahead).")
    var kvBudgetMB: Double?

    @Option(name: .customLong("conversation-cache-mb"), help: "With --parallel 1: KV memory, in MiB, for other conversations' caches, kept so that each continues where it left off (default: one full window; 0 keeps none).")
    var conversationCacheMB: Double?

    @Option(help: "Requests that may wait beyond --parallel; more get 503.")
    var queue = 32

    @Option(name: .customLong("max-body-bytes"), help: "The largest request body accepted (413 beyond).")
    var maxBodyBytes = 4 * 1024 * 1024

    @Option(name: .customLong("shutdown-grace"), help: "Seconds answers get to finish at SIGTERM before they are stopped.")
    var shutdownGrace = 3.0

    @Option(name: .customLong("ctx-size"), help: "Limit every model's context window to N tokens.")
    var contextSize: Int?

    @Option(help: "Threads for the matrix kernels (default: physical cores).")
    var threads: Int?

    @Option(help: "Weight precision when loading: f32, f16, q8_0, q4_0 (default: q4_0 for a checkpoint directory, the file's own for GGUF).")
    var type: StorageType?

    @Option(name: .customLong("cache-type"), help: "KV cache of every model: f16 (exact) or q8_0 (half the memory, a small drift) (default: each model's cache_type in config.toml, else f16).")
    var cacheType: KVCacheType?

    @Option(help: "How a full window slides: exact or shift (answers decoding together, --parallel above 1, always slide exactly).")
    var slide: SlidePolicy = .exact

    @Option(help: "Speculative decoding: ngram or off (default: each model's speculate in config.toml, else \(SpeculationMode.standard.rawValue)). With --parallel, drafts fill a pass up to the rows of one speculating answer.")
    var speculate: SpeculationMode?

    @Option(help: "Serve a scripted model instead of a real one: a JSON file {\"name\", \"kind\", \"replies\": [raw replies]} (for testing clients).")
    var scripted: String?

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        if let kvBudgetMB {
            guard kvBudgetMB > 0, kvBudgetMB <= 1_048_576 else { throw ValidationError("--kv-budget-mb must be above 0 and at most 1048576") }
            guard parallel > 1 else { throw ValidationError("--kv-budget-mb bounds answers decoding together: it needs --parallel above 1 (with --parallel 1, --conversation-cache-mb bounds the conversations kept)") }
        }
        if let conversationCacheMB {
            guard conversationCacheMB >= 0, conversationCacheMB <= 1_048_576 else { throw ValidationError("--conversation-cache-mb must be from 0 to 1048576") }
            guard parallel == 1 else { throw ValidationError("--conversation-cache-mb is for --parallel 1; answers decoding together keep conversations within --kv-budget-mb") }
        }
        guard queue >= 0 else { throw ValidationError("--queue must be 0 or more") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard shutdownGrace >= 0 else { throw ValidationError("--shutdown-grace must be 0 or more") }
        if let contextSize, contextSize < ChatConfiguration.minimumContextSize {
            throw ValidationError("--ctx-size must be at least \(ChatConfiguration.minimumContextSize) tokens")
        }
    }

    func run() async throws {
        let log = ServerLog()
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.apiKey = apiKey ?? ProcessInfo.processInfo.environment["GLMCHAT_API_KEY"]
        if options.apiKey?.isEmpty == true { throw ValidationError("the API key is empty") }
        options.parallel = parallel
        options.queueLimit = queue
        options.maxBodyBytes = maxBodyBytes
        options.shutdownGraceSeconds = shutdownGrace
        let served: [ServedModel]
        do {
            served = try loadModels(log: log)
        } catch let error as ValidationError {
            throw error
        } catch {
            exitWithError(error)
        }
        if options.apiKey == nil, !options.isLoopbackOnly {
            log("warning: listening on \(host) without an API key: anyone who can reach this port can use the models (set --api-key or GLMCHAT_API_KEY)")
        }
        let service = OpenAIService(models: ServedModels(served), parallel: parallel, queueLimit: queue,
                                    metrics: ServerMetrics(), log: log)
        let names = served.map(\.name).joined(separator: ", ")
        let keyNote = options.apiKey == nil ? "no API key" : "API key required"
        let serverOptions = options
        do {
            try await HTTPServer.run(service, options: serverOptions) { address in
                log("listening on \(address) (models: \(names); \(keyNote))")
            }
        } catch {
            exitWithError(error)
        }
        log("stopped")
    }

    private func loadModels(log: ServerLog) throws -> [ServedModel] {
        if let scripted {
            let backend = try ScriptedChatBackend.load(path: scripted)
            return [ServedModel(name: backend.info.name, chat: backend, local: nil)]
        }
        var configuration = try ChatConfiguration.load(environment: ProcessInfo.processInfo.environment)
        var entries: [ModelEntry] = []
        for value in models {
            if let entry = configuration.models.first(where: { $0.name.isByteEqual(to: value) }) {
                entries.append(entry)
            } else {
                configuration.addModel(path: value, tokenizer: tokenizer)
                entries.append(configuration.models[0])
            }
        }
        if models.isEmpty { entries = configuration.models }
        var served: [ServedModel] = []
        let memory = SystemMemory.usableBytes()
        var committed = 0  // the weights and KV budgets of the models loaded so far
        for entry in entries {
            if entry.remote != nil {
                log("skipping \(entry.name): it is a remote model (\(entry.path))")
                continue
            }
            log("loading \(entry.name) from \(entry.path)")
            let loaded = try ModelLoader.load(ModelLoadOptions(path: entry.path, tokenizerPath: entry.tokenizer,
                                                               matrixType: type, threads: threads,
                                                               contextLimit: contextSize ?? entry.contextSize, kind: entry.kind,
                                                               cacheType: cacheType ?? entry.cacheType ?? .f16))
            let bytesPerPosition = KVCache.bytes(config: loaded.model.config, positions: 1,
                                                 precision: loaded.model.cachePrecision)
            let keptBytes = parallel > 1 ? 0 : conversationCacheMB.map { Int($0 * 1_048_576) } ?? loaded.windowKVBytes
            let engine = InferenceEngine(model: loaded.model, tokenizer: loaded.tokenizer, kind: loaded.kind,
                                         contextLimit: loaded.contextLimit, slidePolicy: slide,
                                         speculation: (speculate ?? entry.speculate ?? .standard).speculation(),
                                         keptConversationBytes: keptBytes)
            let local = LocalChatBackend(engine: engine, name: entry.name)
            guard parallel > 1 else {
                if keptBytes > 0 {
                    log("\(entry.name): other conversations' caches kept within \(MemoryFit.mebibytes(keptBytes))")
                }
                var fit = engine.memoryNeeds
                fit.usableBytes = memory
                fit.loadedBeforeBytes = committed
                if let shortfall = fit.shortfall {
                    log("\(entry.name): warning: " + shortfall + " (--ctx-size shortens the window, --cache-type q8_0 "
                        + "halves the cache" + (keptBytes > 0 ? ", --conversation-cache-mb keeps fewer caches)" : ")"))
                }
                committed = fit.neededBytes
                served.append(ServedModel(local: local))
                continue
            }
            committed += loaded.model.weights.matrixBytes
            let budget = fittedBudget(given: kvBudgetMB.map { Int($0 * 1_048_576) }, window: engine.contextWindow,
                                      bytesPerPosition: bytesPerPosition, memory: memory, committed: committed,
                                      loadedBefore: committed > loaded.model.weights.matrixBytes) {
                log("\(entry.name): \($0)")
            }
            committed += budget
            let decoder = BatchDecoder(model: loaded.model, tokenizer: loaded.tokenizer, contextWindow: engine.contextWindow,
                                       maxSequences: parallel, memoryBudgetBytes: budget, speculation: engine.speculation)
            log("\(entry.name): up to \(parallel) answers decode together, KV budget \(MemoryFit.mebibytes(budget))")
            served.append(ServedModel(batched: BatchedChatBackend(local: local, decoder: decoder)))
        }
        guard !served.isEmpty else {
            throw ValidationError("no model to serve: give --model PATH, or list models in config.toml")
        }
        return served
    }

    /// The KV budget for `--parallel` answers: the one given (with a warning when it and what is
    /// already committed pass `BatchDecoder.memoryShare` of the usable memory), or the default capped
    /// to fit (saying so). A server whose caches outgrow the memory is killed with every answer in it.
    private func fittedBudget(given: Int?, window: Int, bytesPerPosition: Int, memory: Int, committed: Int,
                              loadedBefore: Bool, note: (String) -> Void) -> Int {
        let ceiling = BatchDecoder.memoryCeiling(memory)
        let limit = "\(Int(BatchDecoder.memoryShare * 100))% of the \(MemoryFit.mebibytes(memory)) this process may use"
        let weights = (loadedBefore ? "the weights and the models loaded before (" : "the weights (") + MemoryFit.mebibytes(committed) + ")"
        if let given {
            if given + committed > ceiling {
                note("warning: the KV budget of \(MemoryFit.mebibytes(given)) and \(weights) pass \(limit); when the caches fill, "
                     + "the system may kill the server")
            }
            return given
        }
        let wanted = BatchDecoder.defaultBudgetBytes(answers: parallel, window: window, bytesPerPosition: bytesPerPosition)
        let floor = BatchDecoder.defaultBudgetBytes(answers: 1, window: window, bytesPerPosition: bytesPerPosition)
        let budget = BatchDecoder.budget(wanted, fitting: memory, besides: committed, floor: floor)
        if budget < wanted {
            let capped = "the default KV budget (\(MemoryFit.mebibytes(wanted)) for \(parallel) full windows) is capped at "
                + MemoryFit.mebibytes(budget)
            if budget + committed <= ceiling {
                note(capped + ": with \(weights) it stays within \(limit); --kv-budget-mb sets it")
            } else {
                note("warning: " + capped + ", one answer's full window, and with \(weights) it still passes \(limit): "
                     + "when the caches fill, the system may kill the server (--ctx-size shortens the window)")
            }
        }
        return budget
    }
}
