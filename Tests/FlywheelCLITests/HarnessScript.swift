import Foundation

/// A Python harness from scripts/ run against the built `flywheel` binary: its output (stdout and stderr, in order)
/// and exit status. The harness's own report is printed into the test log.
struct HarnessScript {
    /// Everything the script printed.
    let text: String
    /// Its exit status (0: every check held).
    let status: Int32

    /// Its output lines.
    var lines: [String] { text.split(separator: "\n").map(String.init) }
    /// Its last line: the harness's verdict.
    var lastLine: String { lines.last ?? "" }

    /// Runs `scripts/<name>` with `--binary <flywheel>` and `arguments`, until it exits.
    static func run(_ name: String, _ arguments: [String]) throws -> HarnessScript {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", ServeRestartTests.repository.appendingPathComponent("scripts/\(name)").path,
                             "--binary", ServeRestartTests.binary] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print(text, terminator: "")
        return HarnessScript(text: text, status: process.terminationStatus)
    }
}
