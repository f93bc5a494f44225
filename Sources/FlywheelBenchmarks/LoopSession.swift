import FlywheelEvents
import Foundation
import Logging

// MARK: - LoopSession

/// One broker process and the three serve processes of one shadow count.
final class LoopSession {
    /// The broker's address.
    let bootstrap: String
    /// Inference, feedback, trainer.
    let roles: [ServeProcess]
    /// The shadow count.
    let shadows: Int
    let broker: BrokerProcess
    private let directory: URL

    init(bootstrap: String, roles: [ServeProcess], shadows: Int, broker: BrokerProcess, directory: URL) {
        self.bootstrap = bootstrap
        self.roles = roles
        self.shadows = shadows
        self.broker = broker
        self.directory = directory
    }

    /// Stops the serve processes, then the broker, and removes the state files.
    func stop() {
        for role in roles { role.stop() }
        broker.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Where a role's errors were written.
    func log(of role: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("\(role).log"), encoding: .utf8)) ?? ""
    }
}

// MARK: - LoopHarnessRun

/// Starts sessions and runs the client and kcat against them.
struct LoopHarnessRun {
    /// The flywheel executable.
    let flywheel: String
    /// This benchmark's executable (runs `loop-client`).
    let benchmark: String
    /// Partitions per topic.
    let partitions: Int32
    /// The stream and its schema.
    let data: String
    let schema: String
    /// Seconds per measurement.
    let seconds: Double
    /// The inference role's and the client's fetch.wait.max.ms.
    let fetchWait: Int
    /// Niceness of the feedback and trainer processes (0: as inference).
    let learningNice: Int
    /// The client's bound on requests sent and not learned at max (`loop-client --unlearned`; 0: none).
    var unlearned = 0

    /// The three roles, one process each.
    static let roleNames = ["inference", "feedback", "trainer"]

    /// A fresh broker with every loop topic (and the echo and kcat topics), and the three roles on it.
    func start(shadows: Int) throws -> LoopSession {
        let topics = LoopTopics().all.map { ($0, partitions) } + [("bench.echo", partitions), ("bench.kcat", partitions)]
        let broker = try BrokerProcess(executable: flywheel, topics: topics)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-bench-loop-\(getpid())-\(shadows)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            let roles = try Self.roleNames.map {
                try ServeProcess(
                    executable: flywheel, role: $0, bootstrap: broker.bootstrap, shadows: shadows, schema: schema,
                    fetchWait: fetchWait, nice: $0 == "inference" ? 0 : learningNice, directory: directory)
            }
            return LoopSession(bootstrap: broker.bootstrap, roles: roles, shadows: shadows, broker: broker, directory: directory)
        } catch {
            broker.stop()
            throw error
        }
    }

    /// Sends a trickle of requests until they are answered (the consumer groups have formed and inference has caught
    /// up with the models topic): up to 90 s.
    func warmUp(_ session: LoopSession) async throws {
        let deadline = Date().addingTimeInterval(90)
        var attempt = 0
        while Date() < deadline {
            attempt += 1
            let result = try client(mode: .loop, bootstrap: session.bootstrap, rate: 500, run: "warm-\(attempt)", seconds: 3)
            if result.answered >= result.sent * 9 / 10, result.sent > 0 { return }
            for role in session.roles where !role.isRunning {
                throw BenchmarkError("flywheel serve --role \(role.role) stopped: \(session.log(of: role.role))")
            }
        }
        throw BenchmarkError("the loop with \(session.shadows) shadows did not answer within 90 s; its logs:\n"
            + LoopHarnessRun.roleNames.map { "\($0): \(session.log(of: $0))" }.joined(separator: "\n"))
    }

    /// One measurement: the client at `rate` (0: max), then the wait until the trainer has learned what was joined,
    /// with each role's CPU (to then) and RSS.
    func measure(_ session: LoopSession, rate: Int) async throws -> LoopRow {
        let lag = try LearningLag(bootstrap: session.bootstrap, groupPrefix: "bench", partitions: partitions)
        let examplesBefore = try await lag.examples().produced
        let before = session.roles.map(\.cpuSeconds) + [session.broker.cpuSeconds]
        let result = try client(mode: .loop, bootstrap: session.bootstrap, rate: rate, run: "s\(session.shadows)-r\(rate)")
        // Every request but the last 1,000 (whose labels the client never sends) is joined and learned.
        let catchUp = try await lag.secondsToCatchUp(expected: examplesBefore + Int64(max(0, result.sent - 1_000)))
        let after = session.roles.map(\.cpuSeconds) + [session.broker.cpuSeconds]
        let perThousand = zip(before, after).map { ($1 - $0) / max(1, Double(result.sent)) * 1000 }
        return LoopRow(
            shadows: session.shadows, rate: rate, result: result, learningCatchUp: catchUp, sendSeconds: seconds,
            cpuPerThousand: perThousand, residentMiB: session.roles.map(\.residentMiB))
    }

    /// Runs `flywheel-bench loop-client` and reads its result line; `tick` runs every `every` seconds meanwhile.
    func client(
        mode: LoopClientRun.Mode, bootstrap: String, rate: Int, run: String, limit: Int? = nil, seconds: Double? = nil,
        every: Double = 0, tick: () -> Void = {}
    ) throws -> ClientResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: benchmark)
        process.arguments = [
            "loop-client", mode.rawValue, "--bootstrap", bootstrap, "--rate", "\(rate)", "--seconds", "\(seconds ?? self.seconds)",
            "--partitions", "\(partitions)", "--data", data, "--schema", schema, "--run", run, "--fetch-wait", "\(fetchWait)",
        ] + (limit.map { ["--limit", "\($0)"] } ?? [])
            + (mode == .loop && rate == 0 && unlearned > 0 ? ["--unlearned", "\(unlearned)"] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        if every > 0 {
            var next = Date().addingTimeInterval(every)
            while process.isRunning {
                Thread.sleep(forTimeInterval: 0.2)
                if Date() >= next {
                    tick()
                    next = next.addingTimeInterval(every)
                }
            }
        }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let result = ClientResult(line: printed) else {
            throw BenchmarkError("flywheel-bench loop-client \(mode.rawValue) failed (exit \(process.terminationStatus)): \(printed)")
        }
        return result
    }

    /// kcat's raw rates on the broker: 200,000 request-sized messages produced, then consumed.
    func kcat(bootstrap: String, executable: String) throws -> (produce: Double, consume: Double) {
        try KafkaBenchmarkRunner.kcatRates(bootstrap: bootstrap, kcat: executable, partitions: partitions)
    }
}
