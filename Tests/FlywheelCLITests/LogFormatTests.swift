import Foundation
import Testing

/// `--log-format json`: every line a process logs to stderr is one JSON object with the fixed fields and its
/// metadata as fields of their own; the values a message used to interpolate are metadata now, so the message is the
/// same sentence every time.
@Suite("flywheel --log-format json")
struct LogFormatTests {
    @Test func everyLogLineIsOneJSONObjectWithItsMetadata() throws {
        #expect(FileManager.default.isExecutableFile(atPath: ServeRestartTests.binary), "build the flywheel product first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServeRestartTests.binary)
        process.arguments = [
            "demo", "--limit", "3000", "--log-level", "info", "--log-format", "json",
            "--data", ServeRestartTests.repository.appendingPathComponent("streams/data/sea_abrupt.csv").path,
            "--schema", ServeRestartTests.repository.appendingPathComponent("streams/sea_abrupt.schema.json").path,
        ]
        process.currentDirectoryURL = directory
        let errors = directory.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let lines = try String(contentsOf: errors, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 5, "an info-level demo logs its start-up: \(lines.count) lines")
        var entries: [[String: Any]] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not one JSON object: \(line)")
            if let object { entries.append(object) }
        }
        for entry in entries {
            for field in ["ts", "level", "logger", "message", "source"] {
                #expect(entry[field] is String, "\(field) missing in \(entry)")
            }
            #expect((entry["ts"] as? String)?.hasSuffix("Z") == true, "UTC time: \(entry["ts"] ?? "")")
        }
        // A consumer's assignment: a fixed sentence, the partitions as metadata.
        let assigned = entries.filter { $0["message"] as? String == "Partitions assigned" }
        #expect(!assigned.isEmpty, "no 'Partitions assigned' line in \(entries.compactMap { $0["message"] })")
        #expect(assigned.allSatisfy { ($0["kafka.partitions"] as? String)?.contains("flywheel.") == true })
        #expect(assigned.allSatisfy { $0["kafka.role"] as? String == "consumer" }, "the logger's own metadata")
        let ready = entries.filter { $0["message"] as? String == "Role ready" }
        #expect(ready.contains { ($0["flywheel.role"] as? String)?.contains("InferenceRole") == true })
    }
}
