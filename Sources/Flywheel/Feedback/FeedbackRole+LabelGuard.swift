import FlywheelEvents
import Foundation
import OnlineLearning

// MARK: - FeedbackRole + LabelGuard

/// The label guard in the feedback role: every joined label is scored against every model's calibrated answer
/// (``OnlineLearning/LabelGuard``) before anything learns from it. While the guard suspects the labels, their joined
/// examples go to the dead-letter topic with the reason instead of the examples topic — the trainer and the promoter
/// see none, so training pauses while serving goes on with the current versions — and neither the metrics nor the
/// calibration learn from them. Each change of the guard's mind is published at once as a report of the serving model
/// on the drift topic (``FlywheelEvents/DriftMetric/labelsSuspect``), which the registry records in its audit log.
extension FeedbackRole {
    /// Scores `example` (its classifiers' `answers`) with the guard. Returns whether it may be learned from, and the publications this causes: a
    /// guard report when the guard changed its mind, the held-back example when it may not.
    mutating func guardLabels(
        _ example: JoinedExample, answers scored: [ScoredAnswer], from consumed: Consumed<Incoming>, at wallClock: Double
    ) -> (trusted: Bool, publications: [Publication]) {
        guard var guardian = labelGuard else { return (true, []) }
        var publications: [Publication] = []
        if let actor = trustOrdered, guardian.state == .suspect {
            guardian.trust()
            publications.append(.drift(guardReport(example.champion.model, guardian, evidence: 0, stuckOn: nil, by: actor, at: wallClock)))
        }
        trustOrdered = nil
        let answers = scored.map { answer in
            ((calibrators[answer.model] ?? ConfidenceCalibrator()).calibrated(answer.confidence), answer.correct)
        }
        let stuckBefore = guardian.stuckClass
        if let change = guardian.record(answers, labelClass: example.champion.isClassifier ? example.champion.labelClass(example.label) : nil) {
            // The evidence that crossed the line: the suspicion when it turned suspect, the recovery when it trusted;
            // for labels stuck on a class, that class's share of the recent labels.
            let stuck = guardian.stuckClass ?? stuckBefore
            let evidence = stuck.map { guardian.share(of: $0) } ?? (change == .suspect ? guardian.suspicion : guardian.recovery)
            publications.append(.drift(guardReport(
                example.champion.model, guardian, evidence: evidence, stuckOn: change == .suspect ? stuck : nil,
                by: "label guard", at: wallClock)))
        }
        labelGuard = guardian
        guard guardian.state == .suspect else { return (true, publications) }
        labelsHeldBack += 1
        let settings = guardian.configuration
        let unknownIds = "\(Int((guardian.unmatchedShare * 100).rounded()))% of the last \(settings.unknownWindow) labels resolved "
            + "named requests no prediction was seen for (at least \(Int(settings.unknownShare * 100))%: ids shifted or "
            + "mis-keyed); this joined example is held back from learning until fewer than "
            + "\(Int(settings.unknownRecovery * 100))% do or an operator trusts them"
        let why = guardian.cause == .unknownIds ? unknownIds : guardian.stuckClass.map { stuck in
            "\(Int((guardian.share(of: stuck) * 100).rounded()))% of the last \(settings.stuckWindow) labels name class \(stuck) "
                + "(at least \(Int(settings.stuckShare * 100))%, as labels stuck on one class would); this joined example is held "
                + "back from learning until that share is below \(Int(((settings.stuckShare - settings.stuckMargin / 2) * 100).rounded()))% "
                + "again or an operator trusts them"
        } ?? "the labels disagree with every model's confident answers as bad labels would "
            + "(CUSUM \(String(format: "%.1f", guardian.suspicion)) ≥ \(String(format: "%.1f", settings.threshold))); "
            + "this joined example is held back from learning until they agree again or an operator trusts them"
        let reason = "label guard: " + why
        publications.append(.held(
            DeadLetterEvent(
                reason: reason, source: .init(topic: consumed.topic, partition: consumed.partition, offset: consumed.offset),
                key: Array(example.requestId.utf8), value: EventDecoding.encode(example), ts: wallClock),
            key: example.requestId))
        return (false, publications)
    }

    /// Trusts the labels again from the next joined example on (an operator's order; `actor` is logged).
    public mutating func trustLabels(actor: String) {
        trustOrdered = actor
    }

    /// Tells the guard whether a label matched a prediction (``LabelMatchWatch``); a change of its mind is reported
    /// like the others, with the share of labels that matched none as the evidence.
    mutating func noteLabelMatch(_ matched: Bool, model: ModelReference, at wallClock: Double) -> [Publication] {
        guard var guardian = labelGuard else { return [] }
        let change = guardian.recordMatch(matched)
        labelGuard = guardian
        guard change != nil else { return [] }
        var report = guardReport(model, guardian, evidence: guardian.unmatchedShare, stuckOn: nil, by: "label guard", at: wallClock)
        report[.labelsUnmatchedShare] = guardian.unmatchedShare
        return [.drift(report)]
    }

    /// A report of the serving model saying what the guard concluded, with the evidence and who decided.
    private func guardReport(
        _ model: ModelReference, _ guardian: LabelGuard, evidence: Double, stuckOn stuck: Int?, by actor: String,
        at wallClock: Double
    ) -> DriftReport {
        var report = DriftReport(
            // The window's example count is the labels the guard has scored: each guard report is distinct, even two in
            // one batch (the registry keeps a report once by model, time and count).
            model: model, ts: wallClock,
            window: .init(fromTs: wallClock, toTs: wallClock, examples: guardian.labels),
            metrics: [:], detectors: [], features: [])
        report.champion = true
        report[.labelsSuspect] = guardian.state == .suspect ? 1 : 0
        report[.labelGuardEvidence] = evidence
        report[.labelsHeldBack] = Double(labelsHeldBack)
        report[.labelsStuckOnClass] = stuck.map(Double.init)
        report.decidedBy = actor
        return report
    }
}
