import ArgumentParser
import Flywheel
import FlywheelEvents
import Foundation

// MARK: - PromotionBenchmark

/// `flywheel-bench promotion`: false promotions under A/A and power under A/B of the sequential rule, side by side
/// with the window rule and a repeated paired t-test, on seeded simulations (or a replayed examples file).
struct PromotionBenchmark: ParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "promotion",
        abstract: "Promotion rules under A/A and A/B simulations: false promotions and labels to promotion.",
        discussion: """
            Each run simulates a champion and its challengers answering binary requests (error rate 0.15; \
            `--labels` labels; errors independent, or 80% of them shared by all models) and feeds the joined \
            examples to a fresh rule until its first promotion. A/A: every model equally good, with 1 and 3 \
            challengers — any promotion is false; the line gives the rate and its Clopper-Pearson 95% upper bound. \
            A/B: one challenger better by delta — the share of runs promoted and the median labels to promotion. \
            Rules: sequential (the loop's default, alpha 0.05, margin 0), window (1,000 requests, margin 0.02, \
            checked every label) and ttest (a one-sided paired t-test at 0.05/K, checked every label after 100). \
            With --replay, a file of joined examples (JSON Lines, as scripts/read-examples.py prints flywheel.examples) goes through each rule \
            instead and every decision is printed.
            """
    )

    /// Runs per scenario.
    @Option(help: "Runs per scenario.")
    var runs = 500

    /// Labels per run.
    @Option(help: "Labels per run.")
    var labels = 50_000

    /// Which rules.
    @Option(help: ArgumentHelp("Rules to compare, comma-separated: sequential, window, ttest.", valueName: "rules"))
    var rules = "sequential,window,ttest"

    /// Which scenarios.
    @Option(help: ArgumentHelp("Scenarios: aa, ab, or both.", valueName: "which"))
    var scenarios = "both"

    /// The sequential rule's settings.
    @Option(help: "The sequential rule's alpha.")
    var alpha = 0.05

    /// The sequential rule's bet sizing.
    @Option(help: "Half-life, in labels, of the estimates the sequential rule sizes its bets from.")
    var halfLife = SequentialPromotionRule.Configuration().halfLife

    /// A recorded examples file to replay.
    @Option(help: ArgumentHelp("Replay this JSON Lines file of joined examples through each rule.", valueName: "path"))
    var replay: String?

    func validate() throws {
        guard runs > 0, labels > 0 else { throw ValidationError("--runs and --labels must be positive.") }
        if let problem = sequentialConfiguration.problem { throw ValidationError("--alpha/--half-life: \(problem).") }
        for rule in ruleNames where !["sequential", "window", "ttest"].contains(rule) {
            throw ValidationError("--rules: unknown rule '\(rule)' (sequential, window, ttest).")
        }
        guard ["aa", "ab", "both"].contains(scenarios) else { throw ValidationError("--scenarios must be aa, ab or both.") }
    }

    private var sequentialConfiguration: SequentialPromotionRule.Configuration {
        var configuration = SequentialPromotionRule.Configuration()
        configuration.alpha = alpha
        configuration.halfLife = halfLife
        return configuration
    }

    private var ruleNames: [String] { rules.split(separator: ",").map { String($0) } }

    func run() throws {
        if let replay { return try replayFile(replay) }
        if scenarios != "ab" {
            for challengers in [1, 3] {
                for shared in [0.0, 0.8] {
                    let scenario = PromotionSimulation.Scenario(
                        challengers: challengers, advantage: 0, sharedErrors: shared, labels: labels)
                    say("scenario: A/A, \(challengers) challenger\(challengers == 1 ? "" : "s"), "
                        + (shared > 0 ? "80% shared errors" : "independent errors") + ", \(labels) labels a run")
                    for rule in ruleNames {
                        let outcomes = simulate(scenario, rule: rule)
                        let promoted = outcomes.count { $0.label != nil }
                        say(String(
                            format: "A/A false promotion rate: %.3f (95%% upper bound %.3f) over %d runs, rule %@",
                            Double(promoted) / Double(runs), Self.clopperPearsonUpper(promoted, runs), runs, rule))
                    }
                }
            }
        }
        if scenarios != "aa" {
            for delta in [0.005, 0.01, 0.02, 0.05] {
                for shared in [0.0, 0.8] {
                    let scenario = PromotionSimulation.Scenario(
                        challengers: 1, advantage: delta, sharedErrors: shared, labels: labels)
                    for rule in ruleNames {
                        let outcomes = simulate(scenario, rule: rule)
                        let right = outcomes.compactMap { $0.decision?.winner.id == "challenger-0" ? $0.label : nil }
                        let median = Self.median(right, total: runs).map(String.init) ?? "none (fewer than half)"
                        say(String(
                            format: "A/B delta %@ %@: promoted %.2f of %d runs, median labels %@, rule %@",
                            Self.format(delta), shared > 0 ? "correlated" : "independent",
                            Double(right.count) / Double(runs), runs, median, rule))
                    }
                }
            }
        }
    }

    private func simulate(_ scenario: PromotionSimulation.Scenario, rule: String) -> [PromotionSimulation.Outcome] {
        let simulation = PromotionSimulation(scenario)
        return (0..<runs).map { run in
            let seed = UInt64(run) &* 0x9E37_79B9 &+ UInt64(scenario.challengers) &* 7919
                &+ UInt64(scenario.advantage * 1e6) &+ UInt64(scenario.sharedErrors * 10)
            return switch rule {
            case "window": simulation.run(PromotionRule(window: 1000, margin: 0.02), seed: seed)
            case "ttest": simulation.run(RepeatedTTestRule(), seed: seed)
            default: simulation.run(SequentialPromotionRule(configuration: sequentialConfiguration), seed: seed)
            }
        }
    }

    private func replayFile(_ path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("--replay \(path): no such file.")
        }
        let examples = text.split(separator: "\n").compactMap {
            try? EventDecoding.decode(JoinedExample.self, from: Array($0.utf8))
        }
        print("replay: \(examples.count) joined examples from \(path)")
        for rule in ruleNames {
            var policy: any PromotionPolicy = switch rule {
            case "window": PromotionRule(window: 1000, margin: 0.02)
            case "ttest": RepeatedTTestRule()
            default: SequentialPromotionRule(configuration: sequentialConfiguration)
            }
            var decisions = 0
            for (index, example) in examples.enumerated() {
                guard let decision = policy.record(example) else { continue }
                decisions += 1
                print("  rule \(rule): \(decision.kind.rawValue) \(decision.winner) over \(decision.loser) at example \(index + 1)")
            }
            print("rule \(rule): \(decisions) decisions")
        }
    }

    /// Writes a line to stdout at once (stdout is block-buffered in a pipe, and a scenario takes a while).
    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// The upper end of the two-sided 95% Clopper-Pearson interval for `successes` of `trials`.
    static func clopperPearsonUpper(_ successes: Int, _ trials: Int) -> Double {
        if successes >= trials { return 1 }
        // The p at which P(X ≤ successes) = 0.025, by bisection on the binomial CDF.
        var low = Double(successes) / Double(trials), high = 1.0
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if binomialCDF(successes, trials, middle) > 0.025 { low = middle } else { high = middle }
        }
        return high
    }

    static func binomialCDF(_ k: Int, _ n: Int, _ p: Double) -> Double {
        var total = 0.0
        for i in 0...k {
            let logTerm = lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1))
                + Double(i) * log(p) + Double(n - i) * log1p(-p)
            total += exp(logTerm)
        }
        return total
    }

    /// The median of `values` padded to `total` with "never" (nil when more than half never happened).
    static func median(_ values: [Int], total: Int) -> Int? {
        guard values.count * 2 > total else { return nil }
        return values.sorted()[(total - 1) / 2]
    }

    static func format(_ value: Double) -> String {
        var text = String(format: "%.3f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}

// MARK: - RepeatedTTestRule

/// The textbook mistake, for comparison: a one-sided paired t-test at 0.05/K on each challenger's 0/1 loss
/// differences, looked at after every label once 100 are in. Each look is a fresh chance of a false promotion.
struct RepeatedTTestRule: PromotionPolicy {
    private var sums: [String: (n: Double, sum: Double, squares: Double)] = [:]

    mutating func record(_ example: JoinedExample) -> PromotionDecision? {
        let champion = example.champion
        let critical = example.shadows.count > 1 ? 2.128 : 1.645  // z at 0.05/3 and 0.05 one-sided
        for challenger in example.shadows {
            let x = champion.loss(label: example.label) - challenger.loss(label: example.label)
            var entry = sums[challenger.model.id] ?? (0, 0, 0)
            entry = (entry.n + 1, entry.sum + x, entry.squares + x * x)
            sums[challenger.model.id] = entry
            guard entry.n >= 100 else { continue }
            let mean = entry.sum / entry.n
            let variance = max((entry.squares - entry.n * mean * mean) / (entry.n - 1), 1e-12)
            if mean / (variance / entry.n).squareRoot() > critical {
                return PromotionDecision(
                    kind: .promotion, winner: challenger.model, loser: champion.model, samples: Int(entry.n),
                    winnerScore: 0, loserScore: 0)
            }
        }
        return nil
    }

    /// Forgets the challenger's differences (the simulation never restarts one; the loop's rules do the same).
    mutating func challengerRestarted(_ model: ModelReference) { sums[model.id] = nil }
}
