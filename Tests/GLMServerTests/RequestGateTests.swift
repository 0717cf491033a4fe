import Foundation
import Testing
@testable import GLMOpenAI
@testable import GLMServer

/// Admission: `parallel` at work, `queueLimit` waiting in order, 503 beyond, and shutdown.
@Suite struct RequestGateTests {
    @Test func beyondTheSlotsAndTheQueueARequestIsRefusedAtOnce() async throws {
        let gate = RequestGate(parallel: 1, queueLimit: 1)
        let first = try gate.admit()
        try await first.waitForSlot()
        _ = try gate.admit()
        #expect(gate.counts.running == 1 && gate.counts.queued == 1)
        #expect(throws: APIError.overloaded(retryAfter: 1)) { try gate.admit() }
    }

    @Test func aFreedSlotGoesToTheOldestWaiter() async throws {
        let gate = RequestGate(parallel: 1, queueLimit: 2)
        let first = try gate.admit()
        try await first.waitForSlot()
        let second = try gate.admit(), third = try gate.admit()
        let order = Order()
        // The second starts waiting first, then the third; both wait before the slot frees.
        let secondWaits = Task { try await second.waitForSlot(); order.add(2); second.release() }
        while gate.counts.queued < 2 || gate.queueLength < 1 { await Task.yield() }
        let thirdWaits = Task { try await third.waitForSlot(); order.add(3); third.release() }
        while gate.queueLength < 2 { await Task.yield() }
        let waiting = [secondWaits, thirdWaits]
        first.release()
        for task in waiting { try await task.value }
        #expect(order.list == [2, 3])
        #expect(gate.counts.running == 0 && gate.counts.queued == 0)
    }

    @Test func closingFailsTheWaitersAndRefusesNewcomers() async throws {
        let gate = RequestGate(parallel: 1, queueLimit: 4)
        let running = try gate.admit()
        try await running.waitForSlot()
        let queued = try gate.admit()
        let waiter = Task { try await queued.waitForSlot() }
        while gate.counts.queued < 1 { await Task.yield() }
        gate.close()
        await #expect(throws: APIError.shuttingDown()) { try await waiter.value }
        #expect(throws: APIError.shuttingDown()) { try gate.admit() }
        running.release()
        #expect(gate.counts.running == 0)
    }

    @Test func aWaiterThatLeavesGivesUpItsPlace() async throws {
        let gate = RequestGate(parallel: 1, queueLimit: 1)
        let running = try gate.admit()
        try await running.waitForSlot()
        let queued = try gate.admit()
        let waiter = Task { try await queued.waitForSlot() }
        while gate.counts.queued < 1 { await Task.yield() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(gate.counts.queued == 0)
        _ = try gate.admit()
    }

    final class Order: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Int] = []
        func add(_ item: Int) { lock.withLock { items.append(item) } }
        var list: [Int] { lock.withLock { items } }
    }
}
