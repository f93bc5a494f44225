import Foundation
import OnlineLearning

// MARK: - VowpalWabbitSide

/// Vowpal Wabbit's side of `flywheel-bench learning`: the stream written as a VW text file (numeric features as
/// `name:value`, categorical ones as `name=value`, labels −1/1, as ../shared/data/README.md's `vw_cli` row), learned by
/// `python3 -m vowpalwabbit --loss_function logistic --link logistic -b 18`, timed in the child's CPU seconds with
/// VW's start-up (the same command on a one-line file) subtracted; medians of three runs each.
struct VowpalWabbitSide {
    /// The Python that has vowpalwabbit installed.
    let python: String
    /// The CSV stream.
    let data: String
    /// Its features.
    let schema: FeatureSchema
    /// The label column.
    let target: String

    /// What VW did.
    struct Result {
        /// Examples learned per CPU second, start-up excluded.
        let requestsPerSecond: Double
        /// VW's progressive "average loss" (log loss).
        let averageLoss: Double
    }

    /// Writes the text files, runs VW on both, returns the figures.
    func run() throws -> Result {
        let lines = try textLines()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-vw-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let full = directory.appendingPathComponent("stream.vw"), one = directory.appendingPathComponent("one.vw")
        try (lines.joined(separator: "\n") + "\n").write(to: full, atomically: true, encoding: .utf8)
        try (lines[0] + "\n").write(to: one, atomically: true, encoding: .utf8)
        // Three of each, the medians: VW's start-up (Python importing the module) is most of a short run's time.
        let startUp = try (0..<3).map { _ in try vw(one.path).seconds }.sorted()[1]
        let wholeRuns = try (0..<3).map { _ in try vw(full.path) }.sorted { $0.seconds < $1.seconds }
        let whole = wholeRuns[1]
        return Result(requestsPerSecond: Double(lines.count) / max(whole.seconds - startUp, 1e-3), averageLoss: whole.loss)
    }

    /// The stream as VW examples.
    private func textLines() throws -> [String] {
        guard let csv = FileManager.default.contents(atPath: data) else { throw VWError("--data \(data): no such file") }
        let text = String(decoding: csv, as: UTF8.self)
        var lines = text.split(separator: "\n").makeIterator()
        guard let header = lines.next()?.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
            let targetColumn = header.firstIndex(of: target)
        else { throw VWError("\(data) has no header with a '\(target)' column") }
        let columns = schema.features.compactMap { feature in header.firstIndex(of: feature.name).map { ($0, feature) } }
        var result: [String] = []
        while let line = lines.next() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            var example = fields[targetColumn] == "1" || fields[targetColumn] == "1.0" ? "1 |f" : "-1 |f"
            for (index, feature) in columns where !fields[index].isEmpty {
                example += feature.kind == .numeric ? " \(feature.name):\(fields[index])" : " \(feature.name)=\(fields[index])"
            }
            result.append(example)
        }
        return result
    }

    /// Runs VW on a file: the child's CPU seconds and its average loss.
    private func vw(_ path: String) throws -> (seconds: Double, loss: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-m", "vowpalwabbit", "--loss_function", "logistic", "--link", "logistic", "-b", "18", "-d", path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        var before = rusage(), after = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &before)
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        getrusage(RUSAGE_CHILDREN.rawValue, &after)
        guard process.terminationStatus == 0,
            let lossLine = text.split(separator: "\n").first(where: { $0.hasPrefix("average loss") }),
            let loss = Double(lossLine.split(separator: "=").last?.trimmingCharacters(in: .whitespaces) ?? "")
        else {
            throw VWError("Vowpal Wabbit failed (pip install vowpalwabbit==9.11.9): \(text.suffix(400))")
        }
        func seconds(_ usage: rusage) -> Double {
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        }
        return (seconds(after) - seconds(before), loss)
    }
}

/// A failure of the VW side, with what to do.
struct VWError: Error, CustomStringConvertible {
    /// The sentence.
    let description: String
    init(_ description: String) { self.description = description }
}
