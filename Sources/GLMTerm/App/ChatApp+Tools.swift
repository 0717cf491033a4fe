import Foundation
import GLMEngine
import GLMTools

/// `/tools`: the tool sources and their tools (or why a source has none), and which tools this
/// session offers; `/tools NAME` switches one on or off for this session (its tool list is kept
/// with the session, so the switch is too).
extension ChatApp {
    /// Lists the registry's sources and makes its tools what Tool mode offers.
    public func useTools(_ registry: ToolRegistry) async {
        toolRegistry = registry
        await registry.refresh()
        promptTools = await registry.promptTools
        toolStatuses = await registry.sourceStatuses
        agent = nil
        isDirty = true
    }

    func runToolsCommand(_ argument: String) {
        guard let registry = toolRegistry else {
            return showError("No tools are configured: add [[tools]] or [[mcp_servers]] to config.toml (see docs/TOOLS.md)")
        }
        if argument.isEmpty {
            Task { [weak self] in
                let statuses = await registry.refresh()
                self?.toolStatuses = statuses
                self?.showToolList()
            }
        } else {
            toggleTool(argument)
        }
    }

    func showToolList() {
        var lines: [String] = []
        let offered = Set(toolNames(in: chat.tools).map { ExactText($0) })
        for status in toolStatuses {
            lines.append("\(status.name):")
            if let error = status.error { lines.append("  error: \(error)") }
            if status.tools.isEmpty, status.error == nil { lines.append("  (no tools)") }
            for tool in status.tools {
                let on = mode == .tool && offered.contains(ExactText(tool.name))
                var line = "  \(on ? "●" : "○") \(tool.name)"
                if !tool.description.isEmpty { line += " — \(tool.description)" }
                if tool.runsWithoutApproval { line += " (runs without asking)" }
                lines.append(line)
            }
            if !status.shadowed.isEmpty { lines.append("  hidden by an earlier source: " + status.shadowed.joined(separator: ", ")) }
        }
        if lines.isEmpty { lines.append("No tool sources are configured.") }
        lines.append("")
        lines.append(mode == .tool ? "● offered in this session. /tools NAME switches a tool on or off."
                                   : "Mode \(mode.title): no tools are offered. F4 or /mode tool offers the ● ones.")
        overlay = .message(title: "Tools", text: lines.joined(separator: "\n"), isError: false, scroll: 0)
        isDirty = true
    }

    func toggleTool(_ name: String) {
        guard mode == .tool else { return showError("Tools are offered in Tool mode: F4 or /mode tool first") }
        let all = toolStatuses.flatMap(\.tools)
        guard let tool = all.first(where: { $0.name.isByteEqual(to: name) }) else {
            return showError("No tool named \(name); /tools lists them")
        }
        var offered = Set(toolNames(in: chat.tools).map { ExactText($0) })
        let key = ExactText(tool.name)
        let on = !offered.contains(key)
        if on { offered.insert(key) } else { offered.remove(key) }
        let entries = all.filter { offered.contains(ExactText($0.name)) }.map(\.promptEntry)
        let tools: JSONValue? = entries.isEmpty ? nil : .array(entries)
        guard attempt("change the tools", { try chat.setMode(.tool, tools: tools, model: model) }) != nil else { return }
        showNotice("\(tool.name) is \(on ? "offered" : "no longer offered") in this session")
    }
}
