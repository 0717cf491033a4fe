import Foundation

/// Where "/export" writes: a path the user gave (relative ones against the working directory, `~`
/// expanded, a directory gets the default name inside it), or `glmchat-<title>.md`, numbered so
/// that an earlier export is never overwritten.
enum ExportPath {
    static func resolve(_ argument: String, title: String, in directory: URL,
                        fileManager: FileManager = .default) -> URL {
        let given = (argument.trimmingSpaces() as NSString).expandingTildeInPath
        var base = directory
        if !given.isEmpty {
            let url = given.hasPrefix("/") ? URL(fileURLWithPath: given) : directory.appendingPathComponent(given)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                return url.standardizedFileURL
            }
            base = url
        }
        let stem = "glmchat-" + slug(title)
        var candidate = base.appendingPathComponent(stem + ".md")
        var number = 2
        while fileManager.fileExists(atPath: candidate.path) {
            candidate = base.appendingPathComponent("\(stem)-\(number).md")
            number += 1
        }
        return candidate.standardizedFileURL
    }

    /// Letters and digits of the title (any script), lowercased, other runs as one "-".
    static func slug(_ title: String) -> String {
        var slug = ""
        for character in title.lowercased() {
            if character.isLetter || character.isNumber {
                slug.append(character)
            } else if !slug.isEmpty, slug.last != "-" {
                slug.append("-")
            }
        }
        var short = String(slug.prefix(40))
        while short.last == "-" { short.removeLast() }
        return short.isEmpty ? "session" : short
    }
}
