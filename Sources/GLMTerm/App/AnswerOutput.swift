import Foundation
import GLMEngine

/// Where `glmchat run` and the plain chat write an answer: its text as it is, except that control
/// characters the model produced are written as their pictures (`ControlPictures`), so an answer can
/// never clear or recolour the terminal, or hide text from a script reading the pipe. `raw` writes
/// the model's bytes unchanged (`run --raw`).
public struct AnswerOutput: Sendable {
    public let handle: FileHandle
    public let raw: Bool

    public init(handle: FileHandle = .standardOutput, raw: Bool = false) {
        self.handle = handle
        self.raw = raw
    }

    /// What is written for `text`.
    public func shown(_ text: String) -> String {
        raw ? text : ControlPictures.visible(text)
    }

    public func write(_ text: String) {
        handle.write(Data(shown(text).utf8))
    }
}
