import FeatureValues
import OnlineLearning

// MARK: - FeaturePipeline on parsed rows

extension FeaturePipeline {
    /// Writes row `index` of `rows` into `vector` (``dimension`` long, overwritten): the same vector
    /// ``transform(_:)`` gives the same request as a ``FeatureMap`` — standardized numerics (NaN → missing indicator),
    /// one-hot buckets of categories and crosses — without building it.
    public func transform(row index: Int, of rows: CSVRows, into vector: inout [Float]) {
        precondition(vector.count == dimension && rows.numericCount == statistics.count, "the row does not fit the pipeline")
        let numericCount = statistics.count, offset = 2 * numericCount
        vector.withUnsafeMutableBufferPointer { vector in
            vector.update(repeating: 0)
            rows.numerics.withUnsafeBufferPointer { numerics in
                let base = index * numericCount
                for slot in 0..<numericCount {
                    let number = numerics[base + slot]
                    if number.isFinite {
                        let standardized = statistics[slot].standardized(number)
                        vector[slot] = Float(min(max(standardized, -Self.standardizedLimit), Self.standardizedLimit))
                    } else {
                        vector[numericCount + slot] = 1
                    }
                }
            }
            rows.buckets.withUnsafeBufferPointer { buckets in
                let base = index * rows.bucketsPerRow
                for slot in 0..<rows.bucketsPerRow { vector[offset + Int(buckets[base + slot])] += 1 }
            }
        }
    }

    /// Updates the running statistics with row `index`'s numeric values, as ``learn(_:)`` does with a request.
    public mutating func learn(row index: Int, of rows: CSVRows) {
        let base = index * statistics.count
        for slot in 0..<statistics.count { learnNumeric(rows.numerics[base + slot], slot: slot) }
    }
}
