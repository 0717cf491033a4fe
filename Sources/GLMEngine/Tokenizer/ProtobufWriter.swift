/// The few protocol-buffer encodings a SentencePiece `ModelProto` needs (varint, fixed32 float,
/// length-delimited bytes and messages), written field by field.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    private enum WireType: UInt64 {
        case varint = 0, lengthDelimited = 2, fixed32 = 5
    }

    mutating func varint(_ field: UInt64, _ value: UInt64) {
        key(field, .varint)
        appendVarint(value)
    }

    /// An `int32` field: negative values take ten bytes (sign-extended to 64 bits), as protobuf says.
    mutating func int32(_ field: UInt64, _ value: Int32) {
        varint(field, UInt64(bitPattern: Int64(value)))
    }

    mutating func bool(_ field: UInt64, _ value: Bool) {
        varint(field, value ? 1 : 0)
    }

    mutating func float(_ field: UInt64, _ value: Float) {
        key(field, .fixed32)
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }

    mutating func data(_ field: UInt64, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    mutating func message(_ field: UInt64, _ build: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        build(&nested)
        data(field, nested.bytes)
    }

    private mutating func key(_ field: UInt64, _ wire: WireType) {
        appendVarint(field << 3 | wire.rawValue)
    }

    private mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}
