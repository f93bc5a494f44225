import FlywheelEvents
import OnlineLearning

// MARK: - PromotionSimulation

/// A seeded simulation of a champion and K challengers answering binary requests, for checking promotion rules:
/// each model errs with its own rate, and a share of the errors can be common to all models (correlated models err on
/// the same hard requests). `flywheel-bench promotion` runs it at scale; the tests run a small A/A version of it.
public struct PromotionSimulation: Sendable {
    /// What is simulated.
    public struct Scenario: Sendable, Hashable {
        /// How many challengers.
        public var challengers: Int
        /// The champion's error rate (every challenger but the first errs as often).
        public var championError: Double
        /// How much lower the first challenger's error rate is (0: an A/A scenario).
        public var advantage: Double
        /// The share of the lower error rate that all models make on the same requests (0: independent errors).
        public var sharedErrors: Double
        /// Labels per run.
        public var labels: Int

        /// Describes a scenario.
        public init(challengers: Int, championError: Double = 0.15, advantage: Double, sharedErrors: Double, labels: Int) {
            precondition(challengers >= 1, "A simulation needs a challenger.")
            precondition(championError - advantage > 0 && championError < 1, "Error rates must be in (0, 1).")
            self.challengers = challengers
            self.championError = championError
            self.advantage = advantage
            self.sharedErrors = sharedErrors
            self.labels = labels
        }
    }

    /// The first decision of a run, if any.
    public struct Outcome: Sendable, Hashable {
        /// The decision that changed the champion, if one did.
        public var decision: PromotionDecision?
        /// The label at which it came (1-based).
        public var label: Int?
    }

    /// The scenario.
    public let scenario: Scenario

    /// Simulates `scenario`.
    public init(_ scenario: Scenario) { self.scenario = scenario }

    /// Runs one seeded run through a fresh `policy`, until the first promotion (or rollback) or the last label.
    public func run<Policy: PromotionPolicy>(_ policy: Policy, seed: UInt64) -> Outcome {
        var policy = policy
        var random = SplitMix64(seed: seed)
        let champion = ModelReference(id: "champion", version: 1)
        let challengers = (0..<scenario.challengers).map { ModelReference(id: "challenger-\($0)", version: 1) }
        let errors = [scenario.championError, scenario.championError - scenario.advantage]
            + Array(repeating: scenario.championError, count: scenario.challengers - 1)
        let shared = scenario.sharedErrors * errors.min()!
        let own = errors.map { ($0 - shared) / (1 - shared) }
        // Answers reuse four probability arrays (no allocation per answer).
        let confident: [[Double]] = [[0.8, 0.2], [0.2, 0.8]]
        var shadows = [ModelOutput](repeating: ModelOutput(model: champion, answer: 0), count: scenario.challengers)
        for label in 1...scenario.labels {
            let truth = random.nextBit()
            let hard = random.nextUnit() < shared
            func answer(_ model: ModelReference, _ index: Int) -> ModelOutput {
                let wrong = hard || random.nextUnit() < own[index]
                let answer = wrong ? 1 - truth : truth
                return ModelOutput(model: model, answer: Double(answer), probabilities: confident[answer])
            }
            let served = answer(champion, 0)
            for index in challengers.indices { shadows[index] = answer(challengers[index], index + 1) }
            let example = JoinedExample(
                requestId: "", requestTs: 0, labelTs: 0, features: [:], label: Double(truth), champion: served,
                shadows: shadows)
            if let decision = policy.record(example), decision.changesChampion {
                return Outcome(decision: decision, label: label)
            }
        }
        return Outcome(decision: nil, label: nil)
    }
}
