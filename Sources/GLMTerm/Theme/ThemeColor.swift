import Foundation

/// A colour as a theme file writes it: `default`, an ANSI name, a palette index 0–255 or `#rrggbb`.
public enum ThemeColor: Equatable, Sendable {
    case terminalDefault
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses a colour string; nil when it is not one of the accepted forms.
    public static func parse(_ text: String) -> ThemeColor? {
        let name = text.lowercased().replacingOccurrences(of: "_", with: "-")
        if name == "default" { return .terminalDefault }
        if let index = ansiNames.firstIndex(of: name) { return .indexed(UInt8(index)) }
        for prefix in ["bright-", "light-"] where name.hasPrefix(prefix) {
            if let index = ansiNames.firstIndex(of: String(name.dropFirst(prefix.count))) {
                return .indexed(UInt8(index + 8))
            }
        }
        if name == "gray" || name == "grey" { return .indexed(8) }
        if name.hasPrefix("#"), name.count == 7, let value = UInt32(name.dropFirst(), radix: 16) {
            return .rgb(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
        }
        if let index = Int(name), (0...255).contains(index) { return .indexed(UInt8(index)) }
        return nil
    }

    /// The nearest colour the terminal has. `colorCount` 0 means no colours at all (NO_COLOR).
    public func resolved(colorCount: Int) -> TerminalColor {
        guard colorCount > 0 else { return .terminalDefault }
        switch self {
        case .terminalDefault:
            return .terminalDefault
        case .indexed(let index):
            if Int(index) < colorCount { return .indexed(index) }
            return .indexed(Palette.nearest(to: Palette.rgb(of: index), among: min(colorCount, 16)))
        case .rgb(let red, let green, let blue):
            return .indexed(Palette.nearest(to: (red, green, blue), among: min(colorCount, 256)))
        }
    }
}

/// The xterm palette, used to find the nearest colour a terminal can show.
enum Palette {
    typealias RGB = (UInt8, UInt8, UInt8)

    static let basic: [RGB] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

    static func rgb(of index: UInt8) -> RGB {
        switch index {
        case 0..<16:
            return basic[Int(index)]
        case 16..<232:
            let cube = Int(index) - 16
            return (cubeLevels[cube / 36], cubeLevels[cube / 6 % 6], cubeLevels[cube % 6])
        default:
            let level = UInt8(8 + (Int(index) - 232) * 10)
            return (level, level, level)
        }
    }

    /// The palette index (below `count`) closest to `color`, by a luminance-weighted distance.
    static func nearest(to color: RGB, among count: Int) -> UInt8 {
        var best: UInt8 = 0
        var bestDistance = Int.max
        for index in 0..<max(1, min(count, 256)) {
            let candidate = rgb(of: UInt8(index))
            let dr = Int(color.0) - Int(candidate.0)
            let dg = Int(color.1) - Int(candidate.1)
            let db = Int(color.2) - Int(candidate.2)
            let distance = 3 * dr * dr + 4 * dg * dg + 2 * db * db
            if distance < bestDistance {
                bestDistance = distance
                best = UInt8(index)
            }
        }
        return best
    }
}
