import Foundation
import GLMTools

/// The one answer to one proposed call, given exactly once: by a key, or by Esc (the loop's task
/// being cancelled), whichever comes first.
final class ApprovalReply: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<ApprovalDecision, Never>?
    private var early: ApprovalDecision?
    private var done = false

    /// Takes the waiting continuation; a decision that came first is given at once.
    func wait(_ continuation: CheckedContinuation<ApprovalDecision, Never>) {
        let ready: ApprovalDecision? = lock.withLock {
            if let early { return early }
            self.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    /// Gives the decision; later calls do nothing. False when it was already given.
    @discardableResult
    func resolve(_ decision: ApprovalDecision) -> Bool {
        let waiting: CheckedContinuation<ApprovalDecision, Never>?? = lock.withLock {
            guard !done else { return .none }
            done = true
            if let continuation {
                self.continuation = nil
                return .some(continuation)
            }
            early = decision
            return .some(nil)
        }
        guard case .some(let continuation) = waiting else { return false }
        continuation?.resume(returning: decision)
        return true
    }
}

/// The app's approver: each call is put before the user as a card, and the loop waits for a key.
/// Cancelling the loop (Esc) answers at once with a refusal; the loop stops anyway.
final class AppApprover: ToolApprover {
    private let ask: @Sendable (ProposedCall, ApprovalReply) -> Void

    /// `ask` is called off the main actor; it hands the card to the app (on the main actor).
    init(ask: @escaping @Sendable (ProposedCall, ApprovalReply) -> Void) {
        self.ask = ask
    }

    func decide(_ call: ProposedCall) async -> ApprovalDecision {
        let reply = ApprovalReply()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                reply.wait(continuation)
                ask(call, reply)
            }
        } onCancel: {
            reply.resolve(.refuse(reason: "stopped by the user"))
        }
    }
}
