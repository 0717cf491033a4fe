/// A minimal ZIP archive of stored (uncompressed) entries, as `torch.save` writes them, so that
/// the pickle target can hand its input to the checkpoint reader as `archive/data.pkl`.
/// CRCs are left zero: glmchat's reader maps entries in place and does not check them.
enum StoredZip {
    /// `archive/data.pkl` = `pickle`, plus 64-byte storages `archive/data/0` ... `3` for tensors to point at.
    static func torchCheckpoint(pickle: [UInt8]) -> [UInt8] {
        let storages = (0..<4).map { ("archive/data/\($0)", [UInt8](repeating: 0, count: 64)) }
        return archive([("archive/data.pkl", pickle), ("archive/byteorder", Array("little".utf8))] + storages)
    }

    static func archive(_ entries: [(name: String, contents: [UInt8])]) -> [UInt8] {
        var output: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            let offset = output.count
            append32(&output, 0x0403_4b50)
            append16(&output, 20); append16(&output, 0); append16(&output, 0)  // version, flags, stored
            append32(&output, 0); append32(&output, 0)  // time and date, crc
            append32(&output, UInt32(truncatingIfNeeded: entry.contents.count))
            append32(&output, UInt32(truncatingIfNeeded: entry.contents.count))
            append16(&output, UInt16(truncatingIfNeeded: name.count)); append16(&output, 0)
            output += name + entry.contents

            append32(&central, 0x0201_4b50)
            append16(&central, 20); append16(&central, 20); append16(&central, 0); append16(&central, 0)
            append32(&central, 0); append32(&central, 0)
            append32(&central, UInt32(truncatingIfNeeded: entry.contents.count))
            append32(&central, UInt32(truncatingIfNeeded: entry.contents.count))
            append16(&central, UInt16(truncatingIfNeeded: name.count))
            append16(&central, 0); append16(&central, 0); append16(&central, 0)  // extra, comment, disk
            append16(&central, 0); append32(&central, 0)  // attributes
            append32(&central, UInt32(truncatingIfNeeded: offset))
            central += name
        }
        let centralOffset = output.count
        output += central
        append32(&output, 0x0605_4b50)
        append16(&output, 0); append16(&output, 0)
        append16(&output, UInt16(entries.count)); append16(&output, UInt16(entries.count))
        append32(&output, UInt32(truncatingIfNeeded: central.count))
        append32(&output, UInt32(truncatingIfNeeded: centralOffset))
        append16(&output, 0)
        return output
    }

    private static func append16(_ bytes: inout [UInt8], _ value: UInt16) {
        bytes += [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
    }

    private static func append32(_ bytes: inout [UInt8], _ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
