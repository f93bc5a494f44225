import ArgumentParser
import FlywheelEvents
import Foundation
import KafkaTransport
import Logging

// MARK: - LoopBenchmark

/// `flywheel-bench loop`: the whole loop as it is deployed — a `flywheel broker` process, one `flywheel serve`
/// process per role — fed by an outside client in a process of its own, at fixed rates and as fast as it goes, with
/// champion + 0, 1, 3, 7 shadows. Beside it, on the same broker and through the same client, a plain echo (a topic
/// read back) and kcat's raw produce and consume rates, so every figure has its floor in the same run.
struct LoopBenchmark: AsyncParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "The whole loop fed by an outside client: rate, latency, CPU per role and RSS, beside a plain echo and kcat.",
        discussion: """
            For each shadow count a fresh `flywheel broker` process and three `flywheel serve` processes (inference, \
            feedback, trainer) start; the client (`flywheel-bench loop-client`, a process of its own) sends requests \
            built from the stream's rows, and each label 1,000 requests later, at each offered rate ("max": as fast \
            as answers come, at most 5,000 unanswered and at most --unlearned sent beyond the label delay and not yet \
            learned) for --seconds, reading the predictions back. Latency is from \
            handing a request to the client's producer to reading its prediction (HdrHistogram, the first 10% of each \
            run left out as warm-up); answered/s is predictions read over the time they took; learned/s is requests sent \
            over the time until the trainer's group had committed every joined example (the loop's sustained rate, \
            learning included: serving can run ahead of learning for a while); CPU is each serve process's (and the \
            broker's) user + system seconds per 1,000 requests sent (/proc); RSS after the run. On the first broker the same client \
            also times a plain echo (requests to a topic and read back: Kafka alone) at the same rates, and kcat \
            produces and consumes 200,000 request-sized messages. "+p99" is the loop's p99 minus the echo's at the \
            same offered rate. Build with -c release; run from the repository's top directory.
            """
    )

    /// Shadow counts.
    @Option(help: "Shadow counts to measure, comma-separated (each 0-7).")
    var shadows = "0,1,3,7"

    /// Offered rates.
    @Option(help: "Offered rates, comma-separated: requests per second, or max.")
    var rates = "1000,10000,max"

    /// Seconds per measurement.
    @Option(help: "Seconds the client sends in each measurement.")
    var seconds = 10.0

    /// Partitions per topic.
    @Option(help: "Partitions per topic. The embedded broker answers a fetch with one message set per partition, found by walking the partition's sets from the oldest, so every partition adds sets to fetch and walk: fewer is faster (1 for the latency rows in docs/benchmarks.md). But it keeps only ~5 MB per partition and drops older data, so a role that lags further behind loses records (the table then marks learned/s as a bound): 4 hold ~17,000 predictions with 7 shadows, ~70,000 without.")
    var partitions: Int32 = 4

    /// fetch.wait.max.ms of inference and the client.
    @Option(help: "fetch.wait.max.ms in ms of the inference role (serve --fetch-wait) and of the client's consumer.")
    var fetchWait = 1

    /// Repetitions.
    @Option(help: "Repetitions of everything (fresh processes each time); the table shows each figure's median.")
    var repetitions = 1

    /// Most requests sent and not yet learned in the max measurements.
    @Option(help: ArgumentHelp(
        "In the max measurements, also at most this many requests sent (beyond the label delay) that the trainer has "
            + "not learned, so max is a rate the loop sustains, learning included: serving alone can outrun learning "
            + "further than the embedded broker keeps records. 0: no bound."))
    var unlearned = 20_000

    /// Niceness of the learning roles.
    @Option(help: "Run feedback and trainer under nice -n N (serving first on a shared machine; 0: same priority).")
    var learningNice = 0

    /// Offered rate of the memory soak.
    @Option(help: "Requests per second of the memory soak: one the loop keeps up with, learning included (5,000/s with 3 shadows on a 2-vCPU machine), so memory shows leaks rather than backlog.")
    var soakRate = 5_000

    /// Requests of the memory soak.
    @Option(help: "Also send this many requests at --soak-rate with 3 shadows, sampling each role's RSS (0: skip).")
    var soak = 0

    /// The stream and the flywheel executable.
    @OptionGroup var program: LoopProgramOptions

    /// The parsed shadow counts.
    var shadowCounts: [Int] { shadows.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    /// The parsed rates; 0 is "max".
    var offeredRates: [Int] {
        rates.split(separator: ",").compactMap {
            let text = $0.trimmingCharacters(in: .whitespaces)
            return text == "max" ? 0 : Int(text)
        }
    }

    /// Checks the options.
    func validate() throws {
        guard !shadowCounts.isEmpty, shadowCounts.allSatisfy({ (0...8).contains($0) }) else {
            throw ValidationError("--shadows takes counts between 0 and 8, e.g. 0,1,3,4,7; not \(shadows).")
        }
        guard !offeredRates.isEmpty, offeredRates.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--rates takes requests per second or max, e.g. 1000,10000,max; not \(rates).")
        }
        guard seconds >= 2 else { throw ValidationError("--seconds must be at least 2, not \(seconds).") }
        guard soakRate >= 1 else { throw ValidationError("--soak-rate must be at least 1, not \(soakRate).") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1, not \(repetitions).") }
        guard FileManager.default.isExecutableFile(atPath: program.kcat) else {
            throw ValidationError("kcat not found at \(program.kcat); install it with `apt-get install -y kcat` or pass --kcat.")
        }
    }

    /// Runs every measurement and prints the table.
    func run() async throws {
        let flywheelPath = program.flywheelPath
        let data = program.data, schema = program.schema
        let harness = LoopHarnessRun(
            flywheel: flywheelPath, benchmark: CommandLine.arguments[0], partitions: partitions, data: data, schema: schema,
            seconds: seconds, fetchWait: fetchWait, learningNice: learningNice, unlearned: unlearned)
        print("The loop fed by an outside client: flywheel broker + serve --role inference|feedback|trainer, each a "
              + "process; \(partitions) partitions; requests from \(data), labels 1,000 requests later; \(seconds) s per run.")
        var runs: [[LoopRow]] = []
        var echoRuns: [Int: [ClientResult]] = [:]
        var kcatRuns: [(produce: Double, consume: Double)] = []
        for repetition in 0..<repetitions {
            var rows: [LoopRow] = []
            for (position, count) in shadowCounts.enumerated() {
                let session = try harness.start(shadows: count)
                defer { session.stop() }
                try await harness.warmUp(session)
                for rate in offeredRates {
                    rows.append(try await harness.measure(session, rate: rate))
                    FileHandle.standardError.write(Data("  run \(repetition + 1): \(rows.last!.line(echo: nil))\n".utf8))
                }
                if position == 0 {
                    for rate in offeredRates {
                        echoRuns[rate, default: []].append(
                            try harness.client(mode: .echo, bootstrap: session.bootstrap, rate: rate, run: "echo-\(rate)-\(repetition)"))
                    }
                    kcatRuns.append(try harness.kcat(bootstrap: session.bootstrap, executable: program.kcat))
                }
            }
            runs.append(rows)
        }
        // Each figure's median over the repetitions (cell by cell).
        let rows = runs[0].indices.map { index in LoopRow.median(runs.map { $0[index] }) }
        let echo = echoRuns.mapValues { ClientResult.median($0) }
        let kcatRates: (produce: Double, consume: Double)? = kcatRuns.isEmpty ? nil
            : (LoopRow.median(kcatRuns.map(\.produce)), LoopRow.median(kcatRuns.map(\.consume)))
        if repetitions > 1 { print("Medians of \(repetitions) runs.") }
        print("")
        print(LoopRow.header)
        for row in rows { print(row.line(echo: echo[row.rate])) }
        if rows.contains(where: \.learningNeverCaughtUp) { print(LoopRow.lostRecordsNote) }
        print("")
        for rate in offeredRates {
            guard let result = echo[rate] else { continue }
            print("echo (Kafka alone), offered \(LoopRow.rateText(rate)): \(result.rateText) answered/s, "
                  + "p50 \(result.p50Text) ms, p99 \(result.p99Text) ms, p99.9 \(result.p999Text) ms")
        }
        if let kcatRates {
            print(String(format: "kcat on the same broker: produce %.0f msg/s, consume %.0f msg/s", kcatRates.produce, kcatRates.consume))
            for row in rows where row.rate == 0 {
                print(String(
                    format: "  %d shadows, max: loop %.0f requests/s learned = %.3f× kcat's produce rate, %.3f× its consume rate",
                    row.shadows, row.learnedRate, row.learnedRate / kcatRates.produce, row.learnedRate / kcatRates.consume))
            }
        }
        let maxRates = Dictionary(rows.filter { $0.rate == 0 }.map { ($0.shadows, $0.learnedRate) }, uniquingKeysWith: { a, _ in a })
        if let none = maxRates[0], none > 0 {
            for (count, rate) in maxRates.sorted(by: { $0.key < $1.key }) where count > 0 {
                print(String(format: "  max rate learned with %d shadows ÷ with none: %.2f", count, rate / none))
            }
        }
        if soak > 0 { try await runSoak(harness) }
    }

    /// Sends `soak` requests as fast as they go with 3 shadows and prints each role's RSS over the run.
    private func runSoak(_ harness: LoopHarnessRun) async throws {
        let session = try harness.start(shadows: 3)
        defer { session.stop() }
        try await harness.warmUp(session)
        print("\nMemory soak: \(soak) requests at \(soakRate)/s, 3 shadows; RSS (MiB) of inference / feedback / trainer:")
        var samples: [[Double]] = []
        let lag = try LearningLag(bootstrap: session.bootstrap, groupPrefix: "bench", partitions: partitions)
        let examplesBefore = try await lag.examples().produced
        let result = try harness.client(
            mode: .loop, bootstrap: session.bootstrap, rate: soakRate, run: "soak", limit: soak,
            seconds: 3600, every: 10
        ) {
            let sample = session.roles.map(\.residentMiB)
            samples.append(sample)
            print(String(format: "  %6.0f s  ", Double(samples.count) * 10) + sample.map { String(format: "%7.1f", $0) }.joined(separator: " "))
        }
        let catchUp = try await lag.secondsToCatchUp(expected: examplesBefore + Int64(max(0, result.sent - 1_000)))
        samples.append(session.roles.map(\.residentMiB))
        print("  sent \(result.sent), answered \(result.answered) at \(result.rateText)/s; the trainer caught up "
              + String(format: "%.1f s later; RSS then ", catchUp) + samples.last!.map { String(format: "%.1f", $0) }.joined(separator: " / "))
        if let first = samples.first, let last = samples.last {
            for (index, role) in session.roles.enumerated() {
                print("  \(role.role): " + String(format: "%.1f MiB after 10 s of load → %.1f MiB at the end (%+.1f%%)",
                             first[index], last[index], (last[index] / first[index] - 1) * 100))
            }
        }
    }
}
