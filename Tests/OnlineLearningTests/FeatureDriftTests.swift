import FeatureValues
import Foundation
import OnlineLearning
import Testing

/// Streaming per-feature data drift against a frozen reference: with no drift, alarms (Benjamini-Hochberg across 20
/// features) fire no more often than alpha allows; a shifted feature is found; categorical frequencies too.
@Suite("Feature drift")
struct FeatureDriftTests {
    /// A seeded normal generator (SplitMix64 + Box-Muller), independent of the tracker's own sampler.
    struct Normal {
        var state: UInt64
        mutating func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
        }
        mutating func next() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
    }

    static let schema = FeatureSchema(features: (0..<20).map { .init(name: "f\($0)", kind: .numeric) }, hashWidth: 1)

    static func configuration(alpha: Double) -> FeatureDriftTracker.Configuration {
        var configuration = FeatureDriftTracker.Configuration()
        configuration.referenceSize = 1000
        configuration.sampleSize = 1000
        configuration.alpha = alpha
        return configuration
    }

    /// One stream: 1,000 reference requests, then a window of 1,000 where feature 0's mean moves by `shift`.
    static func window(seed: UInt64, shift: Double, alpha: Double) -> [FeatureDriftTracker.Result] {
        var tracker = FeatureDriftTracker(schema: schema, configuration: configuration(alpha: alpha))
        var normal = Normal(state: seed)
        for index in 0..<2000 {
            var features: FeatureMap = [:]
            for feature in 0..<20 {
                features["f\(feature)"] = .number(normal.next() + (index >= 1000 && feature == 0 ? shift : 0))
            }
            tracker.observe(features)
        }
        return tracker.closeWindow()
    }

    @Test func withoutDriftAlarmsStayWithinAlpha() {
        let alpha = 0.05, streams = 200
        var streamsWithAlarm = 0, featureAlarms = 0
        for seed in 1...UInt64(streams) {
            let results = Self.window(seed: seed, shift: 0, alpha: alpha)
            #expect(results.count == 20)
            featureAlarms += results.filter(\.drifted).count
            if results.contains(where: \.drifted) { streamsWithAlarm += 1 }
        }
        // Under the global null, BH keeps the chance of any alarm at alpha; allow its binomial 95% interval.
        let rate = Double(streamsWithAlarm) / Double(streams)
        let upper = alpha + 1.96 * (alpha * (1 - alpha) / Double(streams)).squareRoot()
        print("feature drift, no drift: \(streamsWithAlarm) of \(streams) streams alarmed (alpha \(alpha), bound \(upper)); \(featureAlarms) feature alarms of \(streams * 20)")
        #expect(rate <= upper, "streams with an alarm: \(rate) (alpha \(alpha), bound \(upper)); feature alarms \(featureAlarms)")
    }

    @Test func aShiftedFeatureIsFoundAndTheOthersAreNot() {
        var found = 0, others = 0
        for seed in 1...40 as ClosedRange<UInt64> {
            let results = Self.window(seed: 1000 + seed, shift: 0.3, alpha: 0.01)
            if results.first(where: { $0.name == "f0" })?.drifted == true { found += 1 }
            others += results.filter { $0.name != "f0" && $0.drifted }.count
        }
        #expect(found >= 38, "a 0.3-sd shift over 1,000 requests found in \(found) of 40 streams")
        #expect(others <= 2, "false alarms on unshifted features: \(others)")
        let shifted = Self.window(seed: 7, shift: 0.3, alpha: 0.01).first { $0.name == "f0" }
        #expect((shifted?.wassersteinNormalized ?? 0) > 0.2 && (shifted?.psi ?? 0) > 0.02)
        #expect(shifted?.binLabels.count == shifted?.referenceProportions.count)
        #expect(abs((shifted?.referenceProportions.reduce(0, +) ?? 0) - 1) < 1e-9)
    }

    @Test func categoricalFrequenciesAndUnseenValues() {
        let schema = FeatureSchema(features: [.init(name: "colour", kind: .categorical)], hashWidth: 8)
        var configuration = FeatureDriftTracker.Configuration()
        configuration.referenceSize = 600
        configuration.categories = 2
        var tracker = FeatureDriftTracker(schema: schema, configuration: configuration)
        for index in 0..<600 { tracker.observe(["colour": .string(["red", "red", "blue", "green"][index % 4])]) }
        // Same mix: no drift.
        for index in 0..<600 { tracker.observe(["colour": .string(["red", "red", "blue", "green"][index % 4])]) }
        let same = tracker.closeWindow()
        #expect(same.first?.drifted == false && same.first?.binLabels == ["red", "blue", "(other)"])
        // An unseen value takes half the traffic: it lands in "other", and the test fires.
        for index in 0..<600 { tracker.observe(["colour": index % 2 == 0 ? .string("purple") : .string("red")]) }
        tracker.observe(["colour": .missing])
        let changed = tracker.closeWindow()
        #expect(changed.first?.drifted == true && changed.first?.missing == 1)
        #expect(changed.first.map { abs($0.currentProportions[2] - 0.5) < 1e-9 } == true)
    }
}
