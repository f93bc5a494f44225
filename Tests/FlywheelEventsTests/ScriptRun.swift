import Foundation
import Testing

/// Runs one of the repository's Python scripts (scripts/…) and returns what it printed.
enum ScriptRun {
    /// The repository's top directory.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `python3 scripts/<script> <arguments>` with `input` on its standard input (from a file, so a large input
    /// and a large output cannot block each other in pipes); fails the test unless it exits with 0.
    static func python(_ script: String, _ arguments: [String] = [], input: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repository.appendingPathComponent("scripts/\(script)").path] + arguments
        var inputFile: URL?
        if let input {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-script-input-\(UUID())")
            try input.write(to: url)
            inputFile = url
            process.standardInput = try FileHandle(forReadingFrom: url)
        }
        defer { if let inputFile { try? FileManager.default.removeItem(at: inputFile) } }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "scripts/\(script) failed (python3 with jsonschema installed?)")
        return data
    }
}
