extension ChatPrompt {
    /// Whether the engine reads this prompt whole, or by sliding out older turns only: false when the
    /// kept prefix and the last turn alone leave no room (the slide would cut into the newest message).
    /// A server refuses such a prompt (`context_length_exceeded`) rather than answer a cut message.
    public func fitsWithoutCuttingTheLastTurn(window: Int) -> Bool {
        guard tokens.count > window else { return true }
        let free = CachedSequence.freeAfterSlide(window: window, keepPrefix: layout.keepPrefix, slack: nil)
        guard let tailStart = ContextWindow.tailStart(count: tokens.count, layout: layout, window: window, free: free) else {
            return false
        }
        let lastTurn = layout.turnStarts.last ?? layout.keepPrefix
        return tailStart <= lastTurn
    }
}
