import Foundation
import GLMEngine

/// A Hugging Face ChatGLM3 directory with random f32 weights, written for a test: `config.json`
/// (the tiny fixture's shape with `padded_vocab_size` set), `model.safetensors`, and a tokenizer.
enum RandomCheckpoint {
    static func write(to directory: String, vocabRows: Int, tokenizer: String, seed: UInt64) throws {
        let tinyConfig = CLI.fixtures.appendingPathComponent("tiny-chatglm3/config.json")
        var config = try requireObject(JSONSerialization.jsonObject(with: Data(contentsOf: tinyConfig)))
        config["padded_vocab_size"] = vocabRows
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: directory + "/config.json"))
        try FileManager.default.copyItem(atPath: tokenizer, toPath: directory + "/tokenizer.model")
        let shape = try ModelConfig.load(huggingFaceConfig: directory + "/config.json")
        try writeSafetensors(TensorNames.expectedShapes(shape), seed: seed, to: directory + "/model.safetensors")
    }

    /// f32 tensors of uniform random values in [-0.1, 0.1), in the order given.
    static func writeSafetensors(_ tensors: [(name: String, shape: [Int])], seed: UInt64, to path: String) throws {
        var state = seed
        var header: [String: Any] = [:]
        var data = Data()
        for (name, shape) in tensors {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            for i in values.indices {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                values[i] = (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.2
            }
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [data.count, data.count + count * 4]]
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(data)
        try file.write(to: URL(fileURLWithPath: path))
    }

    private static func requireObject(_ value: Any) throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw GLMError(.badFormat, "the tiny config is not an object") }
        return object
    }
}
