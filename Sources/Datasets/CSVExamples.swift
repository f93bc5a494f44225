import FeatureValues
import OnlineLearning

// MARK: - CSVExamples

/// Reads a labelled stream from CSV text with a header line: the schema's features by column name, and a target
/// column holding integer class ids.
///
/// Numeric columns parse as numbers (empty → missing); categorical columns are taken as text.
public enum CSVExamples {
    /// Parses `text`.
    /// - Parameters:
    ///   - text: the CSV, first line the column names; no quoted fields (the bundled streams have none).
    ///   - schema: which columns are features and how.
    ///   - target: the label column.
    ///   - task: what the label column must hold. Default: binary.
    /// - Returns: the examples, in file order.
    /// - Throws: ``FeatureSchemaError`` naming the line and column of the first value that does not parse.
    public static func parse(
        _ text: String,
        schema: FeatureSchema,
        target: String,
        task: LearningTask = .binary
    ) throws(FeatureSchemaError) -> [PrequentialEvaluation.Example] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).makeIterator()
        guard let headerLine = lines.next() else { throw FeatureSchemaError("the CSV is empty") }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let targetColumn = header.firstIndex(of: target) else {
            throw FeatureSchemaError("the CSV has no target column '\(target)' (columns: \(header.joined(separator: ", ")))")
        }
        var columns: [(index: Int, feature: FeatureSchema.Feature)] = []
        for feature in schema.features {
            guard let index = header.firstIndex(of: feature.name) else {
                throw FeatureSchemaError("the CSV has no column for feature '\(feature.name)'")
            }
            columns.append((index, feature))
        }
        var examples: [PrequentialEvaluation.Example] = []
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == header.count else {
                throw FeatureSchemaError("line \(lineNumber) has \(fields.count) fields, the header \(header.count)")
            }
            guard let value = Double(fields[targetColumn]), value.isFinite else {
                throw FeatureSchemaError("line \(lineNumber): the target '\(target)' is not a number")
            }
            if task == .binary && value != 0 && value != 1 {
                throw FeatureSchemaError("line \(lineNumber): the target '\(target)' is not a class id 0 or 1")
            }
            if task == .multiclass && (value < 0 || value > 1_000_000 || value.rounded() != value) {
                throw FeatureSchemaError("line \(lineNumber): the target '\(target)' is not a class id 0, 1, 2, …")
            }
            var features: FeatureMap = [:]
            features.reserveCapacity(columns.count)
            for (index, feature) in columns {
                let field = fields[index]
                switch feature.kind {
                case .numeric:
                    if field.isEmpty {
                        features[feature.name] = .missing
                    } else if let number = Double(field) {
                        features[feature.name] = .number(number)
                    } else {
                        throw FeatureSchemaError("line \(lineNumber): feature '\(feature.name)' is not a number")
                    }
                case .categorical:
                    features[feature.name] = field.isEmpty ? .missing : .string(String(field))
                }
            }
            examples.append(.init(features: features, target: value))
        }
        return examples
    }
}
