import ArgumentParser
import Flywheel
import Foundation
import Logging
import OnlineLearning

// MARK: - LoopOptions

/// The loop settings `demo` and `serve` share.
struct LoopOptions: ParsableArguments {
    /// Shadows beside the champion.
    @Option(help: ArgumentHelp(
        "Challengers scored beside the champion (0-8; 0-7 for regression). Default: logreg-finetune, logreg-fresh, mlp and knn (softmax-… for multiclass); for regression linreg-finetune, linreg-fresh and mlp. Fewer keep mlp first (3: the three without knn); more add logreg-fast, logreg-slow, mlp-32, mlp-wide (for measuring cost, e.g. flywheel-bench loop).",
        valueName: "N"))
    var shadows: Int?

    /// Classes of a multiclass stream.
    @Option(help: ArgumentHelp(
        "How many classes the labels of a multiclass stream name (class ids 0 to N-1). Default: the length of the schema file's \"classes\" list.",
        valueName: "N"))
    var classes: Int?

    /// Examples between published model versions.
    @Option(help: "Publish a new version of each model every this many joined examples (a model of more parameters than 64 times this: once per 64 of them). 50 serves fresher versions (+0.15-0.25 accuracy points on gradually drifting streams) for ~17% of the loop's top rate (docs/benchmarks.md).")
    var publishEvery = 250

    /// Examples between saves of the trainer's state.
    @Option(help: ArgumentHelp(
        "Save the trainer's state (every model with its optimizer, and the input positions it reflects) every this many joined examples; versions are published more often (--publish-every), and a restarted trainer numbers its next versions past any it may have published since its last save.",
        valueName: "N"))
    var saveEvery = 250

    /// Versions kept per model in the registry.
    @Option(help: ArgumentHelp(
        "How many of each model's newest versions the registry keeps (0: all); versions named in the audit log or by the champion alias are always kept.",
        valueName: "N"))
    var keepVersions = 100

    /// Which promotion rule.
    @Option(help: ArgumentHelp(
        "How challengers are promoted: sequential (an anytime-valid paired test, docs/promotion.md) or window (the old window rule, for comparison).",
        valueName: "rule"))
    var promotionRule: PromotionRuleKind = .sequential

    /// The sequential test's level.
    @Option(help: "Family-wise chance of a false promotion (sequential rule), however long it watches.")
    var promotionAlpha = 0.05

    /// The sequential test's margin.
    @Option(help: "Promote only a challenger better than the champion by more than this mean loss (sequential rule).")
    var promotionMargin = 0.0

    /// The sequential test's evidence before a promotion, if given.
    @Option(help: ArgumentHelp(
        "Labels a challenger must have been compared on before it may be promoted (sequential rule; rollbacks need none). Default: 1,000 for serve; for demo its --label-delay.",
        discussion: "Set it to about the label delay in requests: a promoted model serves that long after the evidence it won on, so a shorter advantage is gone before it is served.",
        valueName: "labels"))
    var promotionMinEvidence: Int?

    /// `serve`'s `--promotion-min-evidence` when none is given (its label delay is not known to it).
    static let defaultMinimumEvidence = 1000

    /// The window rule's window.
    @Option(help: "Window rule: compare challenger and champion over this many of the latest requests both answered.")
    var promotionWindow = 1000

    /// The window rule's margin.
    @Option(help: "Window rule: promote a challenger whose accuracy over the window beats the champion's by this much.")
    var windowMargin = 0.02

    /// The join window.
    @Option(help: ArgumentHelp(
        "How long a prediction waits for its label, and a label for its prediction, before it is counted as never labelled or orphaned.",
        valueName: "seconds"))
    var joinWindow: Double = 600

    /// Drift report cadence.
    @Option(help: "End a drift window (a report per model, the feature table) every this many joined examples.")
    var driftReportEvery = 5000

    /// Drift report cadence in time.
    @Option(help: ArgumentHelp("Also end a drift window after this many seconds, if sooner.", valueName: "seconds"))
    var driftReportSeconds: Double?

    /// Feature reference position.
    @Option(help: "Skip this many joined requests (the models' learning curve) before the feature-drift reference.")
    var driftReferenceAfter = 2000

    /// Feature reference size.
    @Option(help: "Joined requests in the frozen feature-drift reference.")
    var driftReferenceSize = 2000

    /// Feature test level.
    @Option(help: "False-discovery rate of the per-feature drift tests (Benjamini-Hochberg across features).")
    var driftAlpha = 0.01

    /// Whether the label guard runs.
    @Option(help: ArgumentHelp(
        "enabled: training pauses while the labels look bad — they contradict every model's confident answers, stick on one class, name unknown requests or arrive at another rate — and resumes when they look right (docs/learning.md, \"Label guard\"); disabled: every joined label is learned. Classifiers only.",
        valueName: "enabled|disabled"))
    var labelGuard: LabelGuardSwitch = .enabled

    /// The label guard's evidence threshold.
    @Option(help: ArgumentHelp(
        "Label guard: the likelihood ratio at which labels that contradict the models' confident answers pause training, and at which labels that agree again resume it. Larger: fewer pauses where errors come in runs, later ones for labels gone bad (10,000: a complete flip is caught after ~16-34 confident labels).",
        valueName: "ratio"))
    var labelGuardEvidence: Double = 10_000

    /// Log verbosity.
    @Option(help: "How much to log to stderr.")
    var logLevel: Logger.Level = .warning

    /// Log line format.
    @Option(help: "How log lines are written to stderr: text, or json (one object per line: ts, level, logger, message, source and every metadata key).")
    var logFormat: LogFormat = .text

    /// Checks the values.
    func validate() throws {
        if let shadows, !InitialModels.shadowCounts.contains(shadows) {
            throw ValidationError("--shadows must be between 0 and 8 (7 for regression), not \(shadows).")
        }
        guard publishEvery > 0 else { throw ValidationError("--publish-every must be at least 1, not \(publishEvery).") }
        guard saveEvery > 0 else { throw ValidationError("--save-every must be at least 1, not \(saveEvery).") }
        guard keepVersions >= 0 else { throw ValidationError("--keep-versions cannot be negative, not \(keepVersions) (0 keeps all).") }
        guard promotionWindow > 0 else {
            throw ValidationError("--promotion-window must be at least 1, not \(promotionWindow).")
        }
        guard promotionAlpha > 0, promotionAlpha < 1 else {
            throw ValidationError("--promotion-alpha must be in (0, 1), not \(promotionAlpha).")
        }
        guard promotionMargin >= 0, promotionMargin < 1 else {
            throw ValidationError("--promotion-margin must be in [0, 1), not \(promotionMargin).")
        }
        if let promotionMinEvidence, promotionMinEvidence < 0 {
            throw ValidationError("--promotion-min-evidence cannot be negative, not \(promotionMinEvidence).")
        }
        guard windowMargin >= 0, windowMargin < 1 else {
            throw ValidationError("--window-margin must be in [0, 1), not \(windowMargin).")
        }
        guard joinWindow > 0, joinWindow.isFinite else { throw ValidationError("--join-window must be positive, not \(joinWindow).") }
        guard driftReportEvery > 0 else { throw ValidationError("--drift-report-every must be at least 1, not \(driftReportEvery).") }
        if let driftReportSeconds, !(driftReportSeconds > 0) {
            throw ValidationError("--drift-report-seconds must be positive, not \(driftReportSeconds).")
        }
        guard driftReferenceAfter >= 0 else {
            throw ValidationError("--drift-reference-after cannot be negative, not \(driftReferenceAfter).")
        }
        guard driftReferenceSize >= 2 else {
            throw ValidationError("--drift-reference-size must be at least 2, not \(driftReferenceSize).")
        }
        guard driftAlpha > 0, driftAlpha < 1 else { throw ValidationError("--drift-alpha must be in (0, 1), not \(driftAlpha).") }
        guard labelGuardEvidence > 1, labelGuardEvidence.isFinite else {
            throw ValidationError("--label-guard-evidence must be a finite ratio above 1, not \(labelGuardEvidence).")
        }
    }

    /// Applies the options to `settings`; `labelDelay` (the demo's) is the promotion's minimum evidence unless
    /// `--promotion-min-evidence` is given, else ``defaultMinimumEvidence``.
    func apply(to settings: inout LoopSettings, labelDelay: Int? = nil) {
        settings.publishEvery = publishEvery
        settings.saveEvery = saveEvery
        settings.keepVersions = keepVersions > 0 ? keepVersions : nil
        settings.promotionRule = promotionRule
        settings.promotion.alpha = promotionAlpha
        settings.promotion.margin = promotionMargin
        settings.promotion.minimumEvidence = promotionMinEvidence ?? labelDelay ?? Self.defaultMinimumEvidence
        settings.promotionWindow = promotionWindow
        settings.windowMargin = windowMargin
        settings.joinWindow = .milliseconds(Int64((joinWindow * 1000).rounded()))
        settings.driftReportEvery = driftReportEvery
        settings.driftReportInterval = driftReportSeconds.map { .milliseconds(Int64(($0 * 1000).rounded())) }
        settings.featureDrift.warmUp = driftReferenceAfter
        settings.featureDrift.referenceSize = driftReferenceSize
        settings.featureDrift.alpha = driftAlpha
        settings.labelGuard = labelGuard == .disabled ? nil : {
            var configuration = LabelGuard.Configuration()
            configuration.threshold = log(labelGuardEvidence)
            return configuration
        }()
    }

    /// Reads a feature schema file (streams/*.schema.json or a data set's .meta.json).
    /// Refuses more `--shadows` than the task's set has (a regression set has no `knn`).
    func validateShadows(task: LearningTask) throws {
        let most = InitialModels.maximumShadows(task: task)
        if let shadows, shadows > most {
            throw ValidationError("--shadows \(shadows) is more than --task \(task.rawValue)'s \(most) (0-\(most)).")
        }
    }

    /// Refuses `--classes` for a task without classes to set, or fewer than 2.
    func validateClasses(task: LearningTask) throws {
        guard let classes else { return }
        guard task == .multiclass else {
            throw ValidationError("--classes \(classes) is for --task multiclass; --task \(task.rawValue) has none to set.")
        }
        guard classes >= 2 else { throw ValidationError("--classes must be at least 2, not \(classes).") }
    }

    /// How many classes the models tell apart: `--classes`, else the length of the schema file's `classes` list
    /// (a stream's `.meta.json` has one); 2 for a binary or regression stream.
    func classCount(task: LearningTask, schemaPath: String) throws -> Int {
        try validateClasses(task: task)
        guard task == .multiclass else { return 2 }
        if let classes { return classes }
        let object = (try? JSONSerialization.jsonObject(with: EvalCommand.read(schemaPath, flag: "--schema"))) as? [String: Any]
        guard let listed = object?["classes"] as? [Any], listed.count >= 2 else {
            throw ValidationError(
                "--task multiclass needs the number of classes: pass --classes N, or list them in the schema (\"classes\": [0, 1, 2]).")
        }
        return listed.count
    }

    static func loadSchema(_ path: String, flag: String) throws -> FeatureSchema {
        let data = try EvalCommand.read(path, flag: flag)
        do {
            return try JSONDecoder().decode(FeatureSchema.self, from: data)
        } catch {
            throw ValidationError("\(flag) \(path) is not a feature schema: \(error)")
        }
    }
}

extension PromotionRuleKind: ExpressibleByArgument {}

/// `--label-guard`: whether the label guard runs.
enum LabelGuardSwitch: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Training pauses while the labels look bad.
    case enabled
    /// Every joined label is learned.
    case disabled
}

