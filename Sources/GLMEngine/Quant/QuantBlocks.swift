import Foundation

/// ggml's Q4_0 block: 32 weights as an fp16 scale `d` and 16 bytes of nibbles. Byte j holds
/// element j in its low nibble and element j+16 in its high nibble; value = (q - 8) * d.
public struct BlockQ4_0 {
    public var d: UInt16
    public var qs: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                    UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
}

/// ggml's Q8_0 block: 32 weights as an fp16 scale `d` and 32 signed bytes; value = q * d.
public struct BlockQ8_0 {
    public var d: UInt16
    public var qs: (Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
                    Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
                    Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8,
                    Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8)
}

public enum QuantBlock {
    /// Elements per block for every block-quantized type.
    public static let elements = 32
    public static let q4_0Bytes = 18
    public static let q8_0Bytes = 34

    /// The layouts the kernels and files rely on; checked by the tests and once at startup of any conversion.
    public static var layoutsMatchGGML: Bool {
        MemoryLayout<BlockQ4_0>.size == q4_0Bytes && MemoryLayout<BlockQ4_0>.stride == q4_0Bytes
            && MemoryLayout<BlockQ8_0>.size == q8_0Bytes && MemoryLayout<BlockQ8_0>.stride == q8_0Bytes
    }
}
