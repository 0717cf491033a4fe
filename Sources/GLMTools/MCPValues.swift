import Foundation
import GLMConversation
import MCP

/// Conversions between the SDK's `Value` (objects without key order) and glmchat's `JSONValue`.
enum MCPValues {
    /// A value the model sees (a tool's input schema): object keys in a fixed order, so the prompt
    /// is the same on every run.
    static func json(_ value: Value, depth: Int = 0) -> JSONValue {
        guard depth < 64 else { return .null }
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .int(number)
        case .double(let number): return .double(number)
        case .string(let text): return .string(text)
        case .data(_, let data): return .string(data.base64EncodedString())
        case .array(let items): return .array(items.map { json($0, depth: depth + 1) })
        case .object(let members):
            let keys = SchemaKeyOrder.sorted(Array(members.keys))
            return .object(keys.compactMap { key in members[key].map { (key, json($0, depth: depth + 1)) } })
        }
    }

    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(value))
        case .object(let members):
            .object(Dictionary(members.map { ($0.key, value($0.value)) }, uniquingKeysWith: { first, _ in first }))
        }
    }

    static func arguments(_ json: JSONValue) -> [String: Value] {
        guard case .object(let members) = json else { return [:] }
        return Dictionary(members.map { ($0.key, value($0.value)) }, uniquingKeysWith: { first, _ in first })
    }

    /// A call's content as the observation text: text parts as they are, other parts named.
    static func text(of content: [Tool.Content]) -> String {
        content.map { part -> String in
            switch part {
            case .text(let text, _, _): text
            case .image(_, let mimeType, _, _): "[an image (\(mimeType)) the model cannot see]"
            case .audio(_, let mimeType, _, _): "[audio (\(mimeType)) the model cannot hear]"
            case .resource(let resource, _, _): describe(resource)
            case .resourceLink(let uri, let name, _, _, _, _): "[resource \(name): \(uri)]"
            }
        }.joined(separator: "\n")
    }

    private static func describe(_ resource: Resource.Content) -> String {
        if let text = resource.text { return text }
        return "[resource \(resource.uri)]"
    }
}
