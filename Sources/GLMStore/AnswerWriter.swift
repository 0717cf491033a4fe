import Dispatch
import Foundation
import GRDB

/// Keeps one streaming answer saved. `append` is cheap and never touches the disk on the caller's
/// thread: the text is written by a private queue at most once per `saveInterval`, and always
/// within `saveInterval` of arriving, so a `kill -9` loses at most that much. `finish` writes the
/// whole text with its outcome and stats, and must be called once at the end. Time is read from
/// and delayed saves are scheduled on `clock`.
public final class AnswerWriter: AnswerSink, @unchecked Sendable {
    public static let defaultSaveInterval: TimeInterval = 1.0

    public let messageID: MessageID
    public let sessionID: SessionID
    private let store: GLMStore
    private let rowID: Int64
    private let started: Message
    private let saveInterval: TimeInterval
    private let clock: any SaveClock
    /// Serial: every write of this answer happens here, in order.
    private let queue: DispatchQueue

    // Guarded by `lock` (the queue and the caller's thread both touch them).
    private let lock = NSLock()
    private var text = ""
    private var version = 0
    private var savedVersion = 0
    private var flushScheduled = false
    private var finished = false
    private var lastSave: TimeInterval
    private var lastError: GLMError?
    private var saves = 0

    init(store: GLMStore, rowID: Int64, message: Message, saveInterval: TimeInterval, clock: any SaveClock) {
        self.store = store
        self.rowID = rowID
        self.started = message
        self.messageID = message.id
        self.sessionID = message.sessionID
        self.saveInterval = max(0.01, saveInterval)
        self.clock = clock
        self.lastSave = clock.now
        self.queue = DispatchQueue(label: "glmchat.answer-writer")
    }

    /// The text so far.
    public var content: String { lock.withLock { text } }

    /// The last background save's failure, if the latest one failed (it is retried on the next
    /// append, and `finish` reports it if the final write fails too).
    public var saveError: GLMError? { lock.withLock { lastError } }

    /// How many intermediate saves were written (for tests of the cadence).
    var saveCount: Int { lock.withLock { saves } }

    /// Adds streamed text. Call it from any one thread.
    public func append(_ delta: String) {
        guard !delta.isEmpty else { return }
        lock.withLock {
            guard !finished else { return }
            text += delta
            version += 1
            guard !flushScheduled else { return }
            flushScheduled = true
            clock.run(at: lastSave + saveInterval, on: queue) { self.flushScheduledSave() }
        }
    }

    /// Saves the text now and waits for it (for example before the process exits on a signal).
    public func flush() throws {
        try queue.sync {
            guard let (snapshot, snapshotVersion) = pending() else { return }
            try save(snapshot, snapshotVersion)
        }
    }

    /// Writes the final text, metadata, outcome and stats in one transaction and returns the saved
    /// message. Appends after this are ignored.
    @discardableResult
    public func finish(_ reason: FinishReason, metadata: String = "", stats: GenerationStats = GenerationStats()) throws -> Message {
        try queue.sync {
            let finalText: String = lock.withLock {
                finished = true
                return text
            }
            var message = started
            message.content = finalText
            message.metadata = metadata
            message.finishedAt = Timestamp.now()
            message.promptTokens = stats.isEmpty ? nil : stats.promptTokens
            message.completionTokens = stats.isEmpty ? nil : stats.generatedTokens
            message.tokensPerSecond = stats.measuredTokensPerSecond
            message.finishReason = reason.name
            message.state = reason.messageState
            if case .failed(let why) = reason { message.error = why }
            do {
                try store.write { db in
                    try db.execute(sql: """
                        UPDATE message SET content = ?, metadata = ?, state = ?, error = ?, finishedAt = ?, promptTokens = ?,
                            completionTokens = ?, tokensPerSecond = ?, finishReason = ?, ownerPid = NULL
                        WHERE pk = ?
                        """, arguments: [
                            message.content, message.metadata, message.state.rawValue, message.error,
                            message.finishedAt.map(Timestamp.milliseconds), message.promptTokens,
                            message.completionTokens, message.tokensPerSecond, message.finishReason, rowID,
                        ])
                    guard db.changesCount == 1 else {
                        throw GLMError(.notFound, "the session was deleted while the answer was being written")
                    }
                    try GLMStore.touch(sessionID, db)
                }
            } catch {
                // Let the caller retry: the text stays in memory and background saves go on.
                lock.withLock { finished = false }
                throw error
            }
            return message
        }
    }

    private func flushScheduledSave() {
        let work: (String, Int)? = lock.withLock {
            flushScheduled = false
            return finished ? nil : pendingLocked()
        }
        guard let (snapshot, snapshotVersion) = work else { return }
        do {
            try save(snapshot, snapshotVersion)
        } catch {
            // Try again after another interval even if no more text arrives.
            lock.withLock {
                guard !flushScheduled, !finished else { return }
                flushScheduled = true
                clock.run(at: clock.now + saveInterval, on: queue) { self.flushScheduledSave() }
            }
        }
    }

    private func pending() -> (String, Int)? {
        lock.withLock { finished ? nil : pendingLocked() }
    }

    private func pendingLocked() -> (String, Int)? {
        version > savedVersion ? (text, version) : nil
    }

    /// Runs on `queue` only.
    private func save(_ snapshot: String, _ snapshotVersion: Int) throws {
        let now = clock.now
        lock.withLock { lastSave = now }
        do {
            try store.write { db in
                try db.execute(sql: "UPDATE message SET content = ? WHERE pk = ? AND state = 'streaming'",
                               arguments: [snapshot, rowID])
            }
            lock.withLock {
                saves += 1
                savedVersion = max(savedVersion, snapshotVersion)
                lastError = nil
            }
        } catch {
            let storeError = error as? GLMError ?? GLMError(.database, "\(error)")
            lock.withLock { lastError = storeError }
            throw storeError
        }
    }
}
