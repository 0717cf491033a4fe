import Synchronization

/// Hands a stream's events to the main actor in batches: everything that arrived since the last
/// batch, in order, in one main-actor job.
///
/// Why: a fast model yields thousands of events a second, and a `for await` on the main actor takes
/// them one main-actor job each, while the main loop spends most of its time blocked in the
/// terminal read. The backlog grew without bound, so after Esc the app went on draining it for
/// seconds (6-46 s measured) before it saw the answer's end. Here a reader off the main actor
/// collects the events and rings once; the main actor takes all of them when it next runs.
@MainActor
enum EventBatches {
    /// Calls `body` with each batch until the stream ends (or the calling task is cancelled).
    static func forEach<Event: Sendable>(_ stream: AsyncStream<Event>, _ body: ([Event]) -> Void) async {
        let inbox = EventInbox<Event>()
        // at most one ring waits: rings while the main actor is busy collapse into one batch
        let (doorbell, ring) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let reader = Task.detached {
            for await event in stream {
                inbox.put(event)
                ring.yield()
            }
            ring.finish()
        }
        await withTaskCancellationHandler {
            for await _ in doorbell {
                let events = inbox.takeAll()
                if !events.isEmpty { body(events) }
            }
        } onCancel: {
            reader.cancel()
        }
        let rest = inbox.takeAll()
        if !rest.isEmpty { body(rest) }
    }
}

/// The events read but not yet taken by the main actor.
final class EventInbox<Event: Sendable>: Sendable {
    private let pending = Mutex<[Event]>([])

    func put(_ event: Event) {
        pending.withLock { $0.append(event) }
    }

    func takeAll() -> [Event] {
        pending.withLock { events in
            var taken: [Event] = []
            swap(&taken, &events)
            return taken
        }
    }
}
