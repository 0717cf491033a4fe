import GLMEngine
import GLMTools

/// The demo's tool source (`--demo`): one weather tool whose report is made up from the city's
/// name, so the whole flow (card, approval, result, answer) can be tried without a network.
public final class DemoToolSource: ToolSource {
    public let name = "demo"

    public init() {}

    public func tools() async throws -> [ToolDefinition] {
        let definition = DemoTools.weatherDefinition
        return [ToolDefinition(name: DemoTools.weatherName, description: definition["description"]?.stringValue ?? "",
                               parameters: definition["parameters"] ?? .object([]))]
    }

    public func call(_ tool: String, arguments: JSONValue) async throws -> ToolResult {
        guard tool.isByteEqual(to: DemoTools.weatherName) else {
            return ToolResult(text: "the demo has no tool named \(tool)", isError: true)
        }
        guard let city = arguments["city"]?.stringValue else {
            return ToolResult(text: "get_weather needs a city", isError: true)
        }
        return ToolResult(text: DemoTools.weather(city: city))
    }

    public func shutdown() async {}
}
