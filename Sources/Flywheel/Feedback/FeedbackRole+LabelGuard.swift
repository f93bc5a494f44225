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
        labelGuard = nil  // the only reference while it changes: its windows are updated in place, not copied
        defer { labelGuard = guardian }
        var publications: [Publication] = []
        if let actor = trustOrdered, guardian.state == .suspect {
            guardian.trust()
            publications.append(.drift(guardReport(example.champion.model, guardian, evidence: 0, stuckOn: nil, by: actor, at: wallClock)))
        }
        trustOrdered = nil
        let answers = scored.map { answer in
            ((calibrators[answer.model] ?? ConfidenceCalibrator()).calibrated(answer.confidence), answer.correct)
        }
        let stuckBefore = guardian.stuckClass, shiftsBefore = guardian.answerShifts
        let classifier = example.champion.isClassifier
        if let change = guardian.record(
            answers, labelClass: classifier ? example.champion.labelClass(example.label) : nil,
            answerClass: classifier ? example.champion.servedClass : nil)
        {
            // The evidence that crossed the line: the suspicion when it turned suspect, the recovery when it trusted;
            // for labels stuck on a class, that class's share of the recent labels; for answers whose mix moved during
            // the pause (the requests changed: a change of concept), the test's p-value.
            let stuck = guardian.stuckClass ?? stuckBefore
            let shifted = guardian.answerShifts > shiftsBefore ? guardian.answerShiftPValue : nil
            let evidence = stuck.map { guardian.share(of: $0) } ?? shifted
                ?? (change == .suspect ? guardian.suspicion : guardian.recovery)
            var report = guardReport(
                example.champion.model, guardian, evidence: evidence, stuckOn: change == .suspect ? stuck : nil,
                by: "label guard", at: wallClock)
            report[.answerMixPValue] = shifted
            publications.append(.drift(report))
        }
        guard guardian.state == .suspect else { return (true, publications) }
        labelsHeldBack += 1
        let reason = "label guard: " + Self.holdReason(guardian)
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

    /// Why a joined example is held back, for the dead-letter topic: the guard's cause with its evidence.
    private static func holdReason(_ guardian: LabelGuard) -> String {
        let settings = guardian.configuration
        let percent = { (share: Double) in "\(Int((share * 100).rounded()))%" }
        switch guardian.cause {
        case .labelRate?:
            return "\(percent(guardian.recentCoverage)) of the last \(settings.rateWindow) predictions were labelled within the join "
                + "window against \(percent(guardian.usualCoverage)) usually (a change by a factor of \(String(format: "%g", settings.rateFactor)) "
                + "or more: labels for a different subset of requests); this joined example is held back from learning until "
                + "the share is within a factor of \(String(format: "%g", settings.rateRecovery)) of the usual one or an operator trusts them"
        case .unknownIds?:
            return "\(percent(guardian.unmatchedShare)) of the last \(settings.unknownWindow) labels resolved named requests no "
                + "prediction was seen for (at least \(percent(settings.unknownShare)): ids shifted or mis-keyed); this joined "
                + "example is held back from learning until fewer than \(percent(settings.unknownRecovery)) do or an operator "
                + "trusts them"
        case .stuckOnClass(let stuck)?:
            return "\(percent(guardian.share(of: stuck))) of the last \(settings.stuckWindow) labels name class \(stuck) (at least "
                + "\(percent(settings.stuckShare)), as labels stuck on one class would); this joined example is held back from "
                + "learning until that share is below \(percent(settings.stuckShare - settings.stuckMargin / 2)) again or an "
                + "operator trusts them"
        case .contradictModels?, nil:
            return "the labels disagree with every model's confident answers as bad labels would (CUSUM "
                + "\(String(format: "%.1f", guardian.suspicion)) ≥ \(String(format: "%.1f", settings.threshold))); this joined "
                + "example is held back from learning until they agree again or an operator trusts them"
        }
    }

    /// Tells the guard whether a label matched a prediction (``LabelMatchWatch``); a change of its mind is reported
    /// like the others, with the share of labels that matched none as the evidence.
    mutating func noteLabelMatch(_ matched: Bool, model: ModelReference, at wallClock: Double) -> [Publication] {
        guard var guardian = labelGuard else { return [] }
        labelGuard = nil  // updated in place, as in guardLabels
        defer { labelGuard = guardian }
        guard guardian.recordMatch(matched) != nil else { return [] }
        var report = guardReport(model, guardian, evidence: guardian.unmatchedShare, stuckOn: nil, by: "label guard", at: wallClock)
        report[.labelsUnmatchedShare] = guardian.unmatchedShare
        return [.drift(report)]
    }

    /// Tells the guard the fate of predictions in the join (`labelled` found their label, `unlabelled` were given up
    /// on); a change of its mind is reported like the others, with the recent labelled share as the evidence.
    mutating func noteCoverage(labelled: Int = 0, unlabelled: Int = 0, model: ModelReference, at wallClock: Double) -> [Publication] {
        guard labelled + unlabelled > 0, var guardian = labelGuard else { return [] }
        labelGuard = nil  // updated in place, as in guardLabels
        defer { labelGuard = guardian }
        var publications: [Publication] = []
        for index in 0..<(labelled + unlabelled) where guardian.recordCoverage(index < labelled) != nil {
            var report = guardReport(model, guardian, evidence: guardian.recentCoverage, stuckOn: nil, by: "label guard", at: wallClock)
            report[.recentLabelCoverage] = guardian.recentCoverage
            report[.usualLabelCoverage] = guardian.usualCoverage
            publications.append(.drift(report))
        }
        return publications
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
