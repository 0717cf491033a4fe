import Foundation

/// The values a torch state-dict pickle can build. Anything else is refused while reading, so a
/// pickle can never make glmchat run code: only the few callables below are understood, by name.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(TorchStorage)
    case tensor(TorchTensor)
    /// A reduce whose result glmchat never looks at (backward hooks, for instance).
    case ignored

    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return g.qualifiedName
        case .storage: return "storage"
        case .tensor: return "tensor"
        case .ignored: return "object"
        }
    }
}

/// Lists and dicts are mutable and shared through the memo, so they are reference types.
final class PickleList { var items: [PickleValue] = [] }
final class PickleDict { var items: [(key: PickleValue, value: PickleValue)] = [] }

/// The only globals a torch state dict needs.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildParameter
    case storageType(String)

    init?(module: String, name: String) {
        // Matched byte for byte, as Python matches module and attribute names.
        switch (ExactText(module), ExactText(name)) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", let n) where n.hasSuffix("Storage"): self = .storageType(n.string)
        default: return nil
        }
    }

    var qualifiedName: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .storageType(let n): return "torch.\(n)"
        }
    }
}

/// A storage named by a persistent id: its bytes are the archive entry `data/<key>`.
struct TorchStorage {
    /// `FloatStorage`, `HalfStorage`, ...
    let typeName: String
    let key: String
    let elementCount: Int

    var storageType: StorageType? {
        switch ExactText(typeName) {
        case "FloatStorage": return .f32
        case "HalfStorage": return .f16
        case "BFloat16Storage": return .bf16
        default: return nil
        }
    }
}

/// `_rebuild_tensor_v2(storage, storage_offset, size, stride, ...)`.
struct TorchTensor {
    let storage: TorchStorage
    let offset: Int
    let shape: [Int]
    let strides: [Int]

    var isContiguous: Bool {
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() {
            if size != 1, stride != expected { return false }
            let (product, overflow) = expected.multipliedReportingOverflow(by: size)
            if overflow { return false }
            expected = product
        }
        return true
    }
}
