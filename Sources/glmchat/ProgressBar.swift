import Foundation

/// A byte progress bar on stderr: bytes done of total, rate and time left. On a terminal it redraws one
/// line (at most 10 times a second); in a pipe or log it prints a line every 10%.
final class ProgressBar {
    private let label: String
    private let total: Int64
    /// Bytes already there when the bar started (a resumed download); the rate counts only the rest.
    private let initial: Int64
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private let isTerminal = isatty(STDERR_FILENO) == 1

    init(label: String, total: Int64, initial: Int64 = 0) {
        self.label = label
        self.total = max(total, 1)
        self.initial = min(max(initial, 0), self.total)
    }

    func update(_ done: Int64) {
        let now = Date()
        let finished = done >= total
        if isTerminal {
            guard finished || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line(done, now: now)).utf8))
            if finished { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            let decile = Int(done * 10 / total)
            guard decile != lastDecile else { return }
            lastDecile = decile
            FileHandle.standardError.write(Data((line(done, now: now) + "\n").utf8))
        }
    }

    private func line(_ done: Int64, now: Date) -> String {
        let fraction = Double(done) / Double(total)
        let width = 30
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done - initial) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        return String(format: "%@ %@ %3.0f%%  %@ / %@  %@/s  ETA %@", label, bar, fraction * 100,
                      Self.bytes(Double(done)), Self.bytes(Double(total)), Self.bytes(rate), Self.duration(eta))
    }

    static func bytes(_ n: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = n
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? String(format: "%.0f %@", value, units[unit]) : String(format: "%.1f %@", value, units[unit])
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
