/// A session's messages as a tree. Each message follows one other (`Message.parentID`; nil for the
/// first of a session); messages that follow the same one are the alternatives of one turn, in the
/// order they were written. Of those, the chosen one continues the path: the conversation that is
/// shown, exported and sent to the model. A turn none of whose alternatives is chosen ends the path
/// (the question taken back by "/edit").
public enum MessageTree {
    /// The chosen path through `nodes` (in their stored order), as indices into `nodes`. A list in
    /// which no message names a parent and every one is chosen (messages made without a tree: a
    /// conversation file, a session without a store) is one path in its order. A message whose
    /// parent is not in the list starts the tree like a first message.
    public static func chosenPath<Node>(_ nodes: [Node], id: (Node) -> MessageID, parent: (Node) -> MessageID?,
                                        chosen: (Node) -> Bool) -> [Int] {
        if nodes.allSatisfy({ parent($0) == nil && chosen($0) }) { return Array(nodes.indices) }
        let known = Set(nodes.map(id))
        var children: [MessageID?: [Int]] = [:]
        for (index, node) in nodes.enumerated() {
            let parentID = parent(node).flatMap { known.contains($0) ? $0 : nil }
            children[parentID, default: []].append(index)
        }
        var path: [Int] = []
        var level: MessageID? = nil
        var visited = Set<MessageID>()
        while let next = children[level]?.last(where: { chosen(nodes[$0]) }) {
            let nextID = id(nodes[next])
            guard visited.insert(nextID).inserted else { break }    // a cycle in damaged data
            path.append(next)
            level = nextID
        }
        return path
    }

    public static func chosenPath(_ messages: [Message]) -> [Message] {
        chosenPath(messages, id: \.id, parent: \.parentID, chosen: \.isChosen).map { messages[$0] }
    }

    /// The alternatives of the turn `message` belongs to (itself included), in their stored order.
    public static func alternatives(of message: Message, in messages: [Message]) -> [Message] {
        let known = Set(messages.map(\.id))
        func parentOf(_ m: Message) -> MessageID? { m.parentID.flatMap { known.contains($0) ? $0 : nil } }
        let parentID = parentOf(message)
        if messages.allSatisfy({ $0.parentID == nil && $0.isChosen }) { return [message] }
        return messages.filter { parentOf($0) == parentID }
    }
}
