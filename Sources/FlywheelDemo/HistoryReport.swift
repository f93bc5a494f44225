import FlywheelEvents
import Foundation
import ModelRegistry

// MARK: - HistoryReport

/// What `flywheel report` shows, gathered from the registry: every model's windowed metric over time with its drift
/// alarms, every promotion and rollback, the latest feature-drift table, and label coverage. Built from the stored
/// drift reports (bins and summaries), never from raw requests, so it stays small however long the run.
public struct HistoryReport: Codable, Sendable {
    /// One window of one model.
    public struct Point: Codable, Sendable, Hashable {
        /// When the report was made (seconds since 1970).
        public var ts: Double
        /// The model version at the end of the window.
        public var version: Int
        /// The metric's value (accuracy, or MAE for regressors).
        public var value: Double
        /// Examples in the window.
        public var examples: Int
        /// Whether the model's detector fired (an alarm report).
        public var alarm: Bool
        /// Whether the model was serving.
        public var champion: Bool
    }

    /// One model's line.
    public struct ModelHistory: Codable, Sendable, Hashable {
        /// The model id.
        public var id: String
        /// `accuracy` or `mae`.
        public var metric: String
        /// Its windows, oldest first (regular windows and alarm snapshots).
        public var points: [Point]
    }

    /// One promotion or rollback.
    public struct Decision: Codable, Sendable, Hashable {
        /// `promotion` or `rollback`.
        public var kind: String
        /// When.
        public var ts: Double
        /// The new champion, `id vN`.
        public var winner: String
        /// The replaced champion.
        public var loser: String
        /// Who decided.
        public var actor: String
        /// The evidence as JSON.
        public var evidence: String
    }

    /// When the report was made.
    public var generatedAt: Double
    /// The registry it was made from.
    public var registry: String
    /// Every model's history.
    public var models: [ModelHistory]
    /// Every decision.
    public var decisions: [Decision]
    /// The newest feature-drift table (the serving model's last report that had one), and when it was made.
    public var features: [DriftReport.FeatureDrift]
    /// The time of that table.
    public var featuresTs: Double?
    /// Label coverage over time: (ts, joined / (joined + never labelled)).
    public var labelCoverage: [[Double]]
    /// The serving model's accuracy while labels are in flight, over time: (ts, the window's realized accuracy, the
    /// estimate for the predictions then waiting for labels, how many waited).
    public var accuracyEstimates: [[Double]]

    /// Gathers the report from a registry.
    public init(registry: ModelRegistry, now: Double = Date().timeIntervalSince1970) throws(RegistryError) {
        let reports = try registry.driftReports()
        var byModel: [String: ModelHistory] = [:]
        var order: [String] = []
        for report in reports {
            guard let (headline, value) = report.headline else { continue }
            let metric = headline.rawValue
            if byModel[report.model.id] == nil {
                order.append(report.model.id)
                byModel[report.model.id] = ModelHistory(id: report.model.id, metric: metric, points: [])
            }
            byModel[report.model.id]!.points.append(Point(
                ts: report.ts, version: report.model.version, value: value, examples: report.window.examples,
                alarm: report.isAlarm, champion: report.champion ?? false))
        }
        models = order.compactMap { byModel[$0] }
        decisions = try registry.auditLog().map {
            Decision(
                kind: $0.kind.rawValue, ts: $0.ts, winner: "\($0.model.id) v\($0.model.version)",
                loser: "\($0.replaces.id) v\($0.replaces.version)", actor: $0.actor, evidence: $0.evidence)
        }
        let latestTable = reports.last { !$0.features.isEmpty }
        features = latestTable?.features ?? []
        featuresTs = latestTable?.ts
        labelCoverage = reports.compactMap { report in report[.labelCoverage].map { [report.ts, $0] } }
        accuracyEstimates = reports.compactMap { report in
            guard let estimate = report[.estimatedAccuracy], let realized = report[.accuracy] else { return nil }
            return [report.ts, realized, estimate, report[.inFlight] ?? 0]
        }
        generatedAt = now
        self.registry = registry.path
    }

    /// The report as pretty JSON.
    public var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Plain Codable values of numbers and strings: encoding cannot fail.
        return try! encoder.encode(self)
    }
}
