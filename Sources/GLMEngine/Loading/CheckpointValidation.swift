/// Checks a checkpoint against its config before anything uses it: every tensor the forward pass reads
/// exists with exactly the expected shape, the layer count agrees, and nothing unexplained is left over.
public enum CheckpointValidation {
    /// `configPath` names where the shape came from (config.json, or the GGUF file), `weightsPath` the weights.
    public static func validate(_ checkpoint: Checkpoint, config: ModelConfig, configPath: String, weightsPath: String) throws {
        let layers = checkpoint.tensors.keys.compactMap {
            TensorNames.layerIndex($0.string, prefix: "transformer.encoder.layers.")
        }
        let layerCount = (layers.max() ?? -1) + 1
        guard layerCount == config.numLayers else {
            throw GLMError(.configMismatch, path: weightsPath,
                           "\(configPath) says the model has \(config.numLayers) layers, but the weights have \(layerCount)")
        }
        let expected = TensorNames.expectedShapes(config)
        for (name, shape) in expected {
            guard let tensor = checkpoint[name] else {
                throw GLMError(.missingTensor, path: weightsPath, "missing tensor \(name) (expected shape \(shape))")
            }
            guard tensor.shape == shape else {
                throw GLMError(.wrongShape, path: tensor.path,
                               "tensor \(name) has shape \(tensor.shape), but \(configPath) implies \(shape)")
            }
            if tensor.type.isBlockQuantized, shape.last.map({ $0 % tensor.type.blockElements != 0 }) ?? true {
                throw GLMError(.badFormat, path: tensor.path, "tensor \(name) is \(tensor.type.rawValue) but its rows are not whole \(tensor.type.blockElements)-element blocks")
            }
        }
        let known = Set((expected.map(\.name) + [TensorNames.ropeInverseFrequencies]).map { ExactText($0) })
        if let extra = checkpoint.tensors.keys.sorted().first(where: { !known.contains($0) }) {
            let tensorPath = checkpoint.tensors[extra]?.path ?? weightsPath
            throw GLMError(.configMismatch, path: tensorPath,
                           "tensor \(extra) is not part of the model \(configPath) describes")
        }
    }
}
