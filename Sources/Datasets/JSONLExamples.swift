import FeatureValues
import OnlineLearning
import Foundation

// MARK: - JSONLExamples

/// Reads a labelled stream from JSON Lines: one object per line, either flat (`{"x0": 6.39, "c": "a", "target": 1}`)
/// or with the features nested as in a request event (`{"id": "…", "features": {"x0": 6.39}, "target": 1}`). Feature
/// values are numbers, strings or `null`; key order does not matter. Blank lines are skipped.
public enum JSONLExamples {
    /// Parses `text`.
    /// - Parameters:
    ///   - target: the label's key.
    ///   - task: what the label must hold (a ``OnlineLearning/LearningTask``).
    /// - Throws: ``FeatureSchemaError`` naming the line of the first object that does not parse or lacks the label.
    public static func parse(
        _ text: String, target: String, task: LearningTask = .binary
    ) throws(FeatureSchemaError) -> [PrequentialEvaluation.Example] {
        let decoder = JSONDecoder()
        var examples: [PrequentialEvaluation.Example] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            let lineNumber = index + 1
            let row: Row
            do {
                decoder.userInfo[Row.targetKey] = target
                row = try decoder.decode(Row.self, from: Data(line.utf8))
            } catch let error as FeatureSchemaError {
                throw FeatureSchemaError("line \(lineNumber): \(error.reason)")
            } catch {
                throw FeatureSchemaError("line \(lineNumber) is not a JSON object of features and '\(target)'")
            }
            let value = row.target
            if task == .binary && value != 0 && value != 1 {
                throw FeatureSchemaError("line \(lineNumber): the target '\(target)' is not a class id 0 or 1")
            }
            if task == .multiclass && (value < 0 || value > 1_000_000 || value.rounded() != value) {
                throw FeatureSchemaError("line \(lineNumber): the target '\(target)' is not a class id 0, 1, 2, …")
            }
            examples.append(.init(features: row.features, target: value))
        }
        return examples
    }

    /// One line: the features and the label.
    struct Row: Decodable {
        static let targetKey = CodingUserInfoKey(rawValue: "flywheel.target")!
        var features: FeatureMap = [:]
        var target: Double

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let targetName = decoder.userInfo[Self.targetKey] as? String ?? "target"
            let container = try decoder.container(keyedBy: Key.self)
            guard container.contains(Key(stringValue: targetName)),
                let value = try? container.decode(Double.self, forKey: Key(stringValue: targetName)), value.isFinite
            else {
                throw FeatureSchemaError("the target '\(targetName)' is missing or not a number")
            }
            target = value
            if container.contains(Key(stringValue: "features")) {
                features = try container.decode(FeatureMap.self, forKey: Key(stringValue: "features"))
            } else {
                for key in container.allKeys where key.stringValue != targetName {
                    features[key.stringValue] = try container.decode(FeatureValue.self, forKey: key)
                }
            }
        }
    }
}
