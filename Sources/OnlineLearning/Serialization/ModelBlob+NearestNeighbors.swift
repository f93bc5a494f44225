// MARK: - ModelBlob k-NN section

extension ModelBlob {
    /// Kind 6: task `UInt8` (0 binary, 1 regression, 2 multiclass), class count, neighbours, window, next slot, stored
    /// (`UInt32`s), examples seen (`UInt64`); the stored vectors feature after feature — layout `UInt8` 0 and a `Float`
    /// array of window × dimension, or, when fewer than half are non-zero (hashed categories: agrawal's vectors are
    /// 88% zeros), layout 1, the array's length (`UInt32`), the non-zero positions in increasing order (`UInt32`
    /// array) and their values (`Float` array); their targets (`Double` array of window). The same in a serving blob:
    /// the stored examples are what the model answers from.
    static func writeNearestNeighbors(_ model: NearestNeighbors, to payload: inout BinaryWriter) {
        payload.write(taskCode(model.task))
        for value in [model.classCount, model.neighbors, model.window, model.nextSlot, model.stored] {
            payload.write(UInt32(value))
        }
        payload.write(UInt64(model.examplesSeen))
        let nonZero = model.points.indices.filter { model.points[$0] != 0 }
        if nonZero.count * 2 < model.points.count {
            payload.write(UInt8(1))
            payload.write(UInt32(model.points.count))
            payload.write(nonZero.map { UInt32($0) })
            payload.write(nonZero.map { model.points[$0] })
        } else {
            payload.write(UInt8(0))
            payload.write(model.points)
        }
        payload.write(model.targets)
    }

    /// Reads a kind 6 section for vectors of `dimension` slots.
    static func readNearestNeighbors(from reader: inout BinaryReader, dimension: Int) throws(ModelFormatError) -> NearestNeighbors {
        let code = try reader.read(UInt8.self, "k-NN task")
        guard let task = LearningTask.allCases.first(where: { taskCode($0) == code }) else {
            throw ModelFormatError(.invalidValue, "k-NN task code \(code) is not one this build knows")
        }
        let classes = Int(try reader.read(UInt32.self, "class count"))
        let neighbors = Int(try reader.read(UInt32.self, "neighbours"))
        let window = Int(try reader.read(UInt32.self, "window"))
        let next = Int(try reader.read(UInt32.self, "next slot")), stored = Int(try reader.read(UInt32.self, "stored"))
        let seen = try reader.read(UInt64.self, "examples seen")
        let points = try readPoints(from: &reader)
        let targets = try reader.readDoubles("k-NN targets", limit: maximumDimension)
        guard (task == .regression ? classes == 0 : classes >= 2), neighbors > 0, window >= neighbors,
            points.count == window * dimension, targets.count == window, stored <= window, next < window,
            stored == window || next == stored, seen >= UInt64(stored), seen <= UInt64(Int.max)
        else {
            throw ModelFormatError(.invalidValue, "k-NN settings do not fit: \(neighbors) neighbours, window \(window), \(stored) stored, \(points.count) values for \(dimension) slots")
        }
        guard points.allSatisfy(\.isFinite),
            targets.prefix(stored).allSatisfy({ task == .regression ? $0.isFinite : ($0 >= 0 && $0 < Double(classes) && $0.rounded() == $0) })
        else {
            throw ModelFormatError(.invalidValue, "a stored k-NN value or target is not valid")
        }
        return NearestNeighbors(
            task: task, classes: classes, dimension: dimension, neighbors: neighbors, window: window, points: points,
            targets: targets, nextSlot: next, stored: stored, examplesSeen: Int(seen))
    }

    /// The stored vectors in either layout.
    private static func readPoints(from reader: inout BinaryReader) throws(ModelFormatError) -> [Float] {
        let layout = try reader.read(UInt8.self, "k-NN layout")
        switch layout {
        case 0:
            return try reader.readFloats("k-NN vectors", limit: maximumDimension)
        case 1:
            let count = Int(try reader.read(UInt32.self, "k-NN vector length"))
            let positions = try reader.readUInt32s("k-NN non-zero positions", limit: maximumDimension)
            let values = try reader.readFloats("k-NN non-zero values", limit: maximumDimension)
            guard count <= maximumDimension, positions.count == values.count,
                zip(positions, positions.dropFirst()).allSatisfy({ $0 < $1 }), (positions.last.map { Int($0) < count } ?? true)
            else {
                throw ModelFormatError(.invalidValue, "k-NN non-zero positions are not increasing inside \(count) values")
            }
            var points = [Float](repeating: 0, count: count)
            for (position, value) in zip(positions, values) { points[Int(position)] = value }
            return points
        default:
            throw ModelFormatError(.invalidValue, "k-NN layout \(layout) is not one this build knows")
        }
    }

    /// The task's code in a blob: the perceptron's codes (0 binary, 1 regression, 2 multiclass).
    static func taskCode(_ task: LearningTask) -> UInt8 {
        switch task {
        case .binary: 0
        case .regression: 1
        case .multiclass: 2
        }
    }
}
