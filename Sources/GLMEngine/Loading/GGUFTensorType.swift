/// ggml tensor type numbers as GGUF stores them, for the types glmchat reads and writes.
public enum GGUFTensorType {
    public static func code(for type: StorageType) -> UInt32 {
        switch type {
        case .f32: return 0
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q5_0: return 6
        case .q5_1: return 7
        case .q8_0: return 8
        case .q2_K: return 10
        case .q3_K: return 11
        case .q4_K: return 12
        case .q5_K: return 13
        case .q6_K: return 14
        case .iq4_nl: return 20
        case .iq4_xs: return 23
        case .bf16: return 30
        }
    }

    public static func storageType(code: UInt32) -> StorageType? {
        StorageType.allCases.first { self.code(for: $0) == code }
    }

    /// ggml's name for a type number, so an unsupported type can be named in an error.
    public static func name(code: UInt32) -> String {
        let names: [UInt32: String] = [
            0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
            10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS",
            17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS",
            24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16",
            34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
        ]
        return names[code] ?? "type \(code)"
    }

    /// The names of every type glmchat reads, for errors about the others.
    public static var supportedNames: String {
        StorageType.allCases.map { name(code: code(for: $0)) }.joined(separator: ", ")
    }

    /// llama.cpp's `general.file_type` (llama_ftype) for a model whose large matrices are `type`.
    /// (The k-quant types name llama.cpp's "medium" mixes, which keep most matrices in that type.)
    public static func fileType(for type: StorageType) -> UInt32 {
        switch type {
        case .f32: return 0
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q8_0: return 7
        case .q5_0: return 8
        case .q5_1: return 9
        case .q2_K: return 10
        case .q3_K: return 12
        case .q4_K: return 15
        case .q5_K: return 17
        case .q6_K: return 18
        case .iq4_nl: return 25
        case .iq4_xs: return 30
        case .bf16: return 32
        }
    }
}
