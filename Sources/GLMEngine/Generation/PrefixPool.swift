/// Caches kept for the next request that starts the same way: a continued conversation (its earlier
/// prompt and answer), a retried one, or another user with the same system prompt, so that only what
/// follows the longest shared prefix is read. Continuous batching keeps finished answers' caches here
/// within its KV budget (the least recently used go whenever a new answer needs room, so keeping them
/// never makes a request wait); the engine keeps the conversations it switched away from. An entry is
/// charged for the positions it holds. Its owner serializes access (the decoder's lock, the engine's actor).
struct PrefixPool {
    struct Entry {
        /// The token ids whose keys and values `cache` holds, in order (`tokens.count == cache.count`).
        let tokens: [Int32]
        let cache: KVCache
        var lastUse: UInt64
    }

    private(set) var entries: [Entry] = []
    private var uses: UInt64 = 0
    let bytesPerPosition: Int
    /// More entries than this are not kept, however large the budget (each lookup compares them all).
    let maxEntries: Int

    init(bytesPerPosition: Int, maxEntries: Int = 64) {
        self.bytesPerPosition = bytesPerPosition
        self.maxEntries = max(1, maxEntries)
    }

    /// KV memory the entries hold.
    var bytes: Int { entries.reduce(0) { $0 + $1.tokens.count } * bytesPerPosition }

    /// The entry sharing the longest prefix with `prompt`, and how many of its positions the answer can
    /// take: never the prompt's last token, which must be read for the answer's first logits.
    mutating func bestMatch(for prompt: [Int32]) -> (cache: KVCache, count: Int)? {
        var best: (index: Int, count: Int)?
        for (index, entry) in entries.enumerated() {
            let shared = min(Self.commonPrefix(entry.tokens, prompt), prompt.count - 1)
            if shared > 0 && shared > (best?.count ?? 0) { best = (index, shared) }
        }
        guard let best else { return nil }
        uses += 1
        entries[best.index].lastUse = uses
        return (entries[best.index].cache, best.count)
    }

    /// Keeps a finished answer's cache; entries it extends (their tokens a prefix of its own) go, since
    /// it serves every request they would.
    mutating func keep(tokens: [Int32], cache: KVCache) {
        guard !tokens.isEmpty, tokens.count == cache.count else { return }
        entries.removeAll { $0.tokens.count <= tokens.count && Self.commonPrefix($0.tokens, tokens) == $0.tokens.count }
        uses += 1
        entries.append(Entry(tokens: tokens, cache: cache, lastUse: uses))
        while entries.count > maxEntries { removeLeastRecentlyUsed() }
    }

    /// Takes out the entry holding `cache` (a conversation that becomes the current one again).
    mutating func remove(_ cache: KVCache) {
        entries.removeAll { $0.cache === cache }
    }

    /// Drops the least recently used entries until they hold at most `limit` bytes.
    mutating func evict(toFit limit: Int) {
        while !entries.isEmpty && bytes > limit { removeLeastRecentlyUsed() }
    }

    private mutating func removeLeastRecentlyUsed() {
        guard let oldest = entries.indices.min(by: { entries[$0].lastUse < entries[$1].lastUse }) else { return }
        entries.remove(at: oldest)
    }

    static func commonPrefix(_ a: [Int32], _ b: [Int32]) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }
}
