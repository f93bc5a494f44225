import Foundation

// MARK: - BrokerProcess

/// `flywheel broker` run as a process of its own for a benchmark, so that neither client measured shares a process
/// (its allocator, its threads) with the broker: kcat never does, and Flywheel's client should not either.
final class BrokerProcess {
    private let process = Process()
    /// The broker's bootstrap address.
    let bootstrap: String

    /// Starts `flywheel` (the executable beside this one unless `executable` says) as `broker` with `topics` (name
    /// and partitions), and waits up to 20 s for its bootstrap address.
    init(executable: String?, topics: [(name: String, partitions: Int32)]) throws {
        let path = executable ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("flywheel").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BenchmarkError("flywheel not found at \(path); build it (swift build -c release) or pass --flywheel")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-bench-broker-\(getpid())")
        try? FileManager.default.removeItem(at: file)
        process.executableURL = URL(fileURLWithPath: path)
        // --exit-with-parent: should this benchmark die without stopping it, the broker goes too.
        process.arguments = [
            "broker", "--no-default-topics", "--exit-with-parent", "--bootstrap-file", file.path, "--log-level", "error",
        ]
            + topics.flatMap { ["--topic", "\($0.name):\($0.partitions)"] }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var address: String?
        while address == nil && Date() < deadline && process.isRunning {
            if let text = try? String(contentsOf: file, encoding: .utf8), text.hasSuffix("\n") || text.contains(":") {
                address = text.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        try? FileManager.default.removeItem(at: file)
        guard let address, !address.isEmpty else {
            process.terminate()
            throw BenchmarkError("flywheel broker did not report its address within 20 s")
        }
        bootstrap = address
    }

    /// CPU seconds the broker process has used so far.
    var cpuSeconds: Double { ProcessUsage.cpuSeconds(of: process.processIdentifier) }

    /// Stops the broker (SIGTERM) and waits for it.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
