/// The calls (pickle REDUCE) a torch state dict makes, done by hand: each understood callable builds
/// a plain value; anything else was already refused when its global was read.
enum TorchReduce {
    static func call(_ callable: PickleValue, _ args: PickleValue, path: String) throws -> PickleValue {
        guard case .global(let g) = callable, case .tuple(let a) = args else {
            throw GLMError(.badFormat, path: path, "data.pkl calls a \(callable.kind) with \(args.kind) arguments")
        }
        switch g {
        case .orderedDict:
            let dict = PickleDict()
            if let first = a.first {
                guard case .list(let pairs) = first else {
                    throw GLMError(.badFormat, path: path, "data.pkl builds an OrderedDict from a \(first.kind)")
                }
                for pair in pairs.items {
                    guard case .tuple(let kv) = pair, kv.count == 2 else {
                        throw GLMError(.badFormat, path: path, "data.pkl builds an OrderedDict from a non-pair")
                    }
                    dict.items.append((kv[0], kv[1]))
                }
            }
            // `OrderedDict()` with no arguments is also how torch pickles empty backward hooks.
            return .dict(dict)
        case .rebuildTensorV2:
            guard a.count >= 4, case .storage(let storage) = a[0], case .int(let offset) = a[1],
                  case .tuple(let size) = a[2], case .tuple(let stride) = a[3] else {
                throw GLMError(.badFormat, path: path, "data.pkl calls _rebuild_tensor_v2 with unexpected arguments")
            }
            let shape = try ints(size, path: path), strides = try ints(stride, path: path)
            guard shape.count == strides.count, offset >= 0, shape.allSatisfy({ $0 >= 0 }) else {
                throw GLMError(.badFormat, path: path, "data.pkl has a tensor with an inconsistent size/stride/offset")
            }
            return .tensor(TorchTensor(storage: storage, offset: offset, shape: shape, strides: strides))
        case .rebuildParameter:
            guard let data = a.first, case .tensor = data else {
                throw GLMError(.badFormat, path: path, "data.pkl calls _rebuild_parameter without a tensor")
            }
            return data
        case .storageType(let name):
            throw GLMError(.unsupported, path: path, "data.pkl calls torch.\(name) directly; only storages by persistent id are supported")
        }
    }

    private static func ints(_ values: [PickleValue], path: String) throws -> [Int] {
        try values.map {
            guard case .int(let n) = $0 else {
                throw GLMError(.badFormat, path: path, "data.pkl has a tensor size or stride that is a \($0.kind)")
            }
            return n
        }
    }
}
