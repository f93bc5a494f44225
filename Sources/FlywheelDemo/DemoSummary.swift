import Flywheel
import FlywheelEvents
import Foundation
import ModelRegistry

// MARK: - DemoSummary

/// The report `flywheel demo` prints at the end: what was served, joined and learned, every model's prequential
/// accuracy, every promotion and rollback with the request where it was decided and the one its new champion first
/// answered, and where the registry is.
public struct DemoSummary {
    /// river 0.26.1 `logreg` prequential accuracy on the full `sea_abrupt` stream, by label delay
    /// (streams/data/README.md, "Reference numbers the demo prints").
    static let riverLogreg: [Int: Double] = [0: 0.8854, 1000: 0.8770]
    /// river 0.26.1's best prequential accuracy on the full `waveform` stream (three classes) of softmax regression,
    /// one-vs-rest logistic regression, Hoeffding adaptive tree and adaptive random forest, by label delay: softmax
    /// regression at both (same source; `scripts/reference/river_multiclass.py`).
    static let riverWaveformBest: [Int: Double] = [0: 0.8580, 1000: 0.8121]
    /// river 0.26.1 `linreg` prequential MAE on the full `friedman_gra` stream, by label delay (same source).
    static let riverLinregMAE: [Int: Double] = [0: 2.182, 1000: 2.326]

    /// The report, ready to print.
    public let text: String

    /// Gathers the report from the loop's roles and registry after a run; `pace` is the replay's chunk and learning
    /// lag (``StreamReplayer/Configuration``), said with the label delay since labels reach the models up to about
    /// chunk + lag requests later than the delay.
    /// - Throws: ``ModelRegistry/RegistryError`` when the registry cannot be read.
    public init(
        loop: FlywheelLoop, streamName: String, requests: Int, labelDelay: Int, pace: (chunk: Int, lag: Int)? = nil,
        elapsed: Duration, finished: Bool
    ) throws {
        let served = (served: loop.engine?.requestsServed ?? 0, deadLettered: loop.engine?.statistics.deadLettered ?? 0)
        let join = loop.joiner?.counters ?? .init()
        let board = loop.joiner?.scoreboard ?? ModelScoreboard()
        let trainer = loop.trainer?.learning ?? (examplesLearned: 0, versionsPublished: 0)
        let seconds = elapsed.seconds
        let g = DemoWatcher.grouped
        var lines: [String] = []
        lines.append("")
        lines.append(finished ? "Flywheel demo finished in \(String(format: "%.1f", seconds)) s" : "Flywheel demo STOPPED EARLY after \(String(format: "%.1f", seconds)) s")
        lines.append("  stream                 \(streamName): \(g(requests)) requests, labels \(g(labelDelay)) requests late")
        if let pace {
            lines.append("  replay pace            \(g(pace.chunk)) requests at a time, at most \(g(pace.lag)) labels unlearned "
                         + "(labels reach the models up to ~\(g(pace.chunk + pace.lag)) requests later still)")
        }
        lines.append("  requests served        \(g(served.served))   (dead-lettered: \(served.deadLettered))   \(String(format: "%.0f", Double(served.served) / max(seconds, 1e-9))) requests/s")
        lines.append("  predictions published  \(g(served.served))   (one per request, after delivery)")
        lines.append("  labels joined          \(g(join.joined))   (never labelled: \(join.unlabeledPredictions), orphaned labels: \(join.orphanedLabels), duplicates: \(join.duplicates))")
        if let account = loop.joiner?.labelAccount(labelsTopic: loop.topics.labels) {
            lines.append("  labels accounted       " + account.formatted(g))
        }
        if let joiner = loop.joiner, let pauses = joiner.withCore({ $0.labelGuard?.pauses }), pauses > 0 {
            lines.append("  label guard            \(g(joiner.labelsHeldBack)) joined examples held back from learning in \(pauses) pause\(pauses == 1 ? "" : "s") (on flywheel.dead-letter; docs/learning.md)")
        }
        lines.append("  model versions         \(g(trainer.versionsPublished)) published")
        lines.append("")
        if board.served.isClassifier {
            var servedLine = "  served accuracy        " + String(format: "%.4f", board.served.overall.accuracy)
                + String(format: "   (log loss %.3f; last %@: %.4f)", board.served.overall.logLoss, g(board.window), board.served.recent.value)
            if streamName == "sea_abrupt", requests == 100_000, let river = Self.riverLogreg[labelDelay] {
                servedLine += String(format: "\n  river logreg           %.4f   (same stream and delay; streams/data/README.md)", river)
            }
            if streamName == "waveform", requests == 20_000, let river = Self.riverWaveformBest[labelDelay] {
                servedLine += String(format: "\n  river's best           %.4f   (softmax regression; same stream and delay; streams/data/README.md)", river)
            }
            lines.append(servedLine)
            lines.append("")
            lines.append("  model                  version  accuracy  log loss  last \(g(board.window))")
            for (id, entry) in board.entries.sorted(by: { $0.key < $1.key }) {
                lines.append(
                    "  " + id.padding(toLength: 22, withPad: " ", startingAt: 0)
                        + String(format: " %7d   %.4f    %.3f     %.4f", entry.latest.version, entry.overall.accuracy, entry.overall.logLoss, entry.recent.value))
            }
        } else {
            var servedLine = "  served MAE             " + String(format: "%.3f", board.served.regression.meanAbsoluteError)
                + String(format: "   (RMSE %.3f, R² %.3f; last %@: %.3f)", board.served.regression.rootMeanSquaredError,
                         board.served.regression.rSquared, g(board.window), board.served.recentAbsoluteError.value)
            if streamName == "friedman_gra", requests == 100_000, let river = Self.riverLinregMAE[labelDelay] {
                servedLine += String(format: "\n  river linreg MAE       %.3f    (same stream and delay; streams/data/README.md)", river)
            }
            lines.append(servedLine)
            lines.append("")
            lines.append("  model                  version  MAE      RMSE     R²      last \(g(board.window)) MAE")
            for (id, entry) in board.entries.sorted(by: { $0.key < $1.key }) {
                lines.append(
                    "  " + id.padding(toLength: 22, withPad: " ", startingAt: 0)
                        + String(format: " %7d   %.3f    %.3f    %.3f   %.3f", entry.latest.version, entry.regression.meanAbsoluteError,
                                 entry.regression.rootMeanSquaredError, entry.regression.rSquared, entry.recentAbsoluteError.value))
            }
        }
        lines.append("")
        let decisions = loop.promoter?.decisions ?? []
        let changes = loop.engine?.championChanges ?? []
        if decisions.isEmpty {
            lines.append("  promotions             none: no challenger was shown better than the champion")
        } else {
            lines.append("  decisions (decided at the label of request …; first served at request …)")
            let changesOfChampion = decisions.filter { $0.decision.changesChampion }
            for (number, record) in changesOfChampion.enumerated() {
                lines.append(String(format: "  %2d. ", number + 1) + Self.describe(record, changes: changes))
            }
            if changesOfChampion.isEmpty { lines.append("      no champion change: no challenger was shown better") }
            let retired = Dictionary(grouping: decisions.filter { $0.decision.kind == .retirement }, by: \.decision.loser.id)
            if !retired.isEmpty {
                let counts = retired.keys.sorted().map { "\($0) \(retired[$0]!.count)" }.joined(separator: ", ")
                lines.append("      \(retired.values.reduce(0) { $0 + $1.count }) retirements of challengers shown worse "
                    + "(each pauses its test): \(counts); all in the audit log")
            }
        }
        let alarms = loop.joiner?.driftAlarms ?? []
        lines.append("")
        lines.append("  drift                  \(g(loop.joiner?.driftReportsPublished ?? 0)) reports on flywheel.drift; \(alarms.count) ADWIN alarms; "
            + "\(loop.trainer?.restartsAfterDrift ?? 0) shadow restarts after alarms on the champion")
        for alarm in alarms.prefix(12) {
            lines.append("    ADWIN drift on \(alarm.model.id) v\(alarm.model.version)\(alarm.isChampion ? " (champion)" : "") at the label of request "
                + "\(g(Self.index(alarm.requestId))): error \(alarm.errorChange > 0 ? "up" : "down") \(String(format: "%.3f", abs(alarm.errorChange)))")
        }
        if alarms.count > 12 { lines.append("    … \(alarms.count - 12) more in the registry") }
        if let registry = loop.registry {
            let champion = try registry.alias(ModelRegistry.championAlias)
            lines.append("")
            lines.append("  registry               \(URL(fileURLWithPath: registry.path).standardizedFileURL.path)")
            lines.append("                         \(g(try registry.versionCount())) versions, \(try registry.auditLog().count) audit entries, "
                + "\(g(try registry.driftReports().count)) drift reports, champion alias → \(champion.map { "\($0.id) v\($0.version)" } ?? "none")")
            lines.append("                         try: sqlite3 \(registry.path) 'SELECT * FROM audit_log'")
        }
        text = lines.joined(separator: "\n")
    }

    /// The index in `"<stream>:<index>"`.
    /// One decision as a line: who replaced whom (or who was retired), where it was decided and first served, the
    /// scores and the test's evidence.
    static func describe(_ record: PromoterRole.Record, changes: [ChampionChange]) -> String {
        let decision = record.decision
        let g = DemoWatcher.grouped
        let decidedAt = index(record.requestId)
        var statistics = String(
            format: "%@ %.3f vs %.3f over %@ paired requests", decision.metric.displayName, decision.winnerScore,
            decision.loserScore, g(decision.samples))
        if case .number(let recent) = decision.details["recentAdvantage"] {
            statistics += String(format: "; recent advantage %+.3f", recent)
        }
        if case .number(let eValue) = decision.details["eValue"], case .number(let threshold) = decision.details["threshold"] {
            statistics += String(format: ", e-value %.0f ≥ %.0f", min(eValue, 1e9), threshold)
        }
        if decision.kind == .retirement {
            return "retirement of \(decision.loser.id) v\(decision.loser.version), worse than \(decision.winner.id) "
                + "v\(decision.winner.version): decided at \(g(decidedAt)) (\(statistics))"
        }
        let firstServed = changes.first { $0.champion.id == decision.winner.id && index($0.firstRequestID) > decidedAt }
        return "\(decision.kind.rawValue) \(decision.winner.id) v\(decision.winner.version) replaces \(decision.loser.id) "
            + "v\(decision.loser.version): decided at \(g(decidedAt)), serving from "
            + "\(firstServed.map { g(index($0.firstRequestID)) } ?? "-") (\(statistics))"
    }

    static func index(_ requestID: String) -> Int { Int(requestID.split(separator: ":").last ?? "") ?? -1 }
}
