import Foundation

// MARK: - ClientResult

/// What one `loop-client` run printed: counts, the answer rate and latency percentiles (microseconds).
struct ClientResult {
    /// Requests sent and answered.
    let sent: Int
    let answered: Int
    /// Requests answered twice (a role restarted mid-run; should be 0).
    let duplicates: Int
    /// Answers per second over the run.
    let rate: Double
    /// Latency percentiles in microseconds.
    let p50: Double
    let p99: Double
    let p999: Double

    /// Makes a result from its figures (medians of several runs).
    init(sent: Int, answered: Int, duplicates: Int, rate: Double, p50: Double, p99: Double, p999: Double) {
        (self.sent, self.answered, self.duplicates, self.rate) = (sent, answered, duplicates, rate)
        (self.p50, self.p99, self.p999) = (p50, p99, p999)
    }

    /// The median of each figure over `results`.
    static func median(_ results: [ClientResult]) -> ClientResult {
        ClientResult(
            sent: Int(LoopRow.median(results.map { Double($0.sent) })),
            answered: Int(LoopRow.median(results.map { Double($0.answered) })),
            duplicates: results.map(\.duplicates).max() ?? 0, rate: LoopRow.median(results.map(\.rate)),
            p50: LoopRow.median(results.map(\.p50)), p99: LoopRow.median(results.map(\.p99)),
            p999: LoopRow.median(results.map(\.p999)))
    }

    /// Parses `result sent=… answered=… duplicates=… seconds=… p50=… p99=… p999=…`.
    init?(line: String) {
        guard let resultLine = line.split(separator: "\n").last(where: { $0.hasPrefix("result ") }) else { return nil }
        var fields: [String: Double] = [:]
        for pair in resultLine.split(separator: " ").dropFirst() {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Double(parts[1]) { fields[String(parts[0])] = value }
        }
        guard let sent = fields["sent"], let answered = fields["answered"], let seconds = fields["seconds"],
            let p50 = fields["p50"], let p99 = fields["p99"], let p999 = fields["p999"]
        else { return nil }
        self.sent = Int(sent)
        self.answered = Int(answered)
        self.duplicates = Int(fields["duplicates"] ?? 0)
        self.rate = seconds > 0 ? answered / seconds : 0
        self.p50 = p50
        self.p99 = p99
        self.p999 = p999
    }

    /// Answers per second, rounded.
    var rateText: String { String(format: "%.0f", rate) }
    /// Percentiles in milliseconds.
    var p50Text: String { String(format: "%.2f", p50 / 1000) }
    var p99Text: String { String(format: "%.2f", p99 / 1000) }
    var p999Text: String { String(format: "%.2f", p999 / 1000) }
}

// MARK: - LoopRow

/// One line of the loop table: a shadow count at an offered rate.
struct LoopRow {
    /// Shadows beside the champion.
    let shadows: Int
    /// Offered requests per second (0: max).
    let rate: Int
    /// The client's figures.
    let result: ClientResult
    /// Seconds after the client finished until the trainer had learned every joined example.
    let learningCatchUp: Double
    /// Seconds the client sent for.
    let sendSeconds: Double
    /// CPU seconds per 1,000 requests sent: inference, feedback, trainer, and the broker.
    let cpuPerThousand: [Double]
    /// RSS after the run, MiB: inference, feedback, trainer.
    let residentMiB: [Double]

    /// The table's header.
    static let header = [
        pad("shadows", 7), pad("offered", 9), pad("answered/s", 11), pad("answered", 9), pad("p50 ms", 8), pad("p99 ms", 8),
        pad("p99.9 ms", 9), pad("+p99 vs echo", 13), pad("learned/s", 10), pad("CPU s/1k req inf/fb/tr/broker", 30), pad("RSS MiB inf/fb/tr", 18),
    ].joined(separator: " ")

    /// The median of `values` (the mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The median row of several runs of one cell: each figure's median (learned/s from the median catch-up).
    static func median(_ rows: [LoopRow]) -> LoopRow {
        let first = rows[0]
        return LoopRow(
            shadows: first.shadows, rate: first.rate, result: ClientResult.median(rows.map(\.result)),
            learningCatchUp: median(rows.map(\.learningCatchUp)), sendSeconds: first.sendSeconds,
            cpuPerThousand: first.cpuPerThousand.indices.map { index in median(rows.map { $0.cpuPerThousand[index] }) },
            residentMiB: first.residentMiB.indices.map { index in median(rows.map { $0.residentMiB[index] }) })
    }

    /// Requests sent over the time until the trainer had learned them all (client's sending time + catch-up): the
    /// rate the whole loop sustains, learning included.
    var learnedRate: Double { Double(result.sent) / (sendSeconds + learningCatchUp) }

    /// Whether the trainer never caught up (``LearningLag/catchUpLimit``): records were lost, so ``learnedRate`` is
    /// only a lower bound and says nothing about the loop's speed.
    var learningNeverCaughtUp: Bool { learningCatchUp >= LearningLag.catchUpLimit }

    /// What the table says when a row's trainer never caught up.
    static let lostRecordsNote = String(
        format: "≥ learned/s: the trainer had not learned every joined example %.0f s after the client stopped — records "
            + "were lost (the embedded broker keeps ~5 MB per partition and drops what a lagging role has not read yet), "
            + "so the figure is a lower bound, not the loop's rate; use more --partitions or fewer --seconds.",
        LearningLag.catchUpLimit)

    /// `text` right-aligned in `width` columns.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// `1000/s` or `max`.
    static func rateText(_ rate: Int) -> String { rate == 0 ? "max" : "\(rate)/s" }

    /// The row, with the latency the loop adds over `echo` at the same offered rate.
    func line(echo: ClientResult?) -> String {
        let added = echo.map { String(format: "%+.2f ms", (result.p99 - $0.p99) / 1000) } ?? "-"
        let answeredShare = result.sent > 0 ? Double(result.answered) / Double(result.sent) * 100 : 0
        return [
            Self.pad(String(shadows), 7), Self.pad(Self.rateText(rate), 9), Self.pad(String(format: "%.0f", result.rate), 11),
            Self.pad(String(format: "%.1f%%", answeredShare), 9), Self.pad(result.p50Text, 8), Self.pad(result.p99Text, 8),
            Self.pad(result.p999Text, 9), Self.pad(added, 13), Self.pad((learningNeverCaughtUp ? "≥" : "") + String(format: "%.0f", learnedRate), 10),
            Self.pad(cpuPerThousand.map { String(format: "%.3f", $0) }.joined(separator: "/"), 30),
            Self.pad(residentMiB.map { String(format: "%.0f", $0) }.joined(separator: "/"), 18),
        ].joined(separator: " ")
    }
}
