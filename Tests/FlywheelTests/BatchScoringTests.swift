import FeatureValues
import Flywheel
import FlywheelEvents
import OnlineLearning
import Testing

/// Scoring a batch at once (one matrix per model, OpenBLAS in single precision) gives what scoring each request alone
/// gives: the same vectors, the same classes, probabilities equal to float precision — for every model family of
/// the default set, after they have learned (so weights and statistics are not trivial).
@Suite("Batch scoring")
struct BatchScoringTests {
    /// The default set after learning the first 3,000 rows of sea, with mixed and awkward requests.
    static func trainedSet() throws -> (ModelSet, [FeatureMap]) {
        var set = try InitialModels.make(schema: LoopHarness.seaSchema, shadows: 7)
        let rows = Array(LoopHarness.sea.prefix(3_000))
        for model in [set.champion] + set.shadows {
            var pipeline = model.pipeline
            var learner = model.learner
            for row in rows {
                pipeline.learn(row.features)
                learner.learn(pipeline.transform(row.features).vector, target: row.target)
            }
            let trained = ServedModel(reference: model.reference, pipeline: pipeline, learner: learner)
            if model.reference == set.champion.reference { set.champion = trained } else {
                set.shadows[set.shadows.firstIndex { $0.reference == model.reference }!] = trained
            }
        }
        var requests = LoopHarness.sea[3_000..<3_500].map(\.features)
        requests += [[:], ["x0": .string("text"), "x1": .missing], ["x0": .number(1e300), "unknown": .number(1)]]
        return (set, requests)
    }

    @Test func batchOutputsEqualOneByOne() throws {
        let (set, requests) = try Self.trainedSet()
        let rows = SchemaRows(requests, schema: LoopHarness.seaSchema)
        for model in [set.champion] + set.shadows {
            #expect(model.pipeline.encode(rows) == requests.flatMap { model.pipeline.transform($0).vector })
            let batch = model.outputs(for: rows, requests: requests)
            let single = requests.map { model.output(for: $0) }
            #expect(batch.count == single.count)
            var compared = 0
            for (b, s) in zip(batch, single) {
                #expect(b.model == s.model)
                let (pb, ps) = (b.probabilities ?? [], s.probabilities ?? [])
                #expect(pb.count == ps.count)
                for (x, y) in zip(pb, ps) { #expect(abs(x - y) < 1e-5, "\(model.reference): \(x) vs \(y)") }
                // The class agrees wherever the probability is not within float rounding of ½.
                if let p = ps.last, abs(p - 0.5) > 1e-5 {
                    #expect(b.answer == s.answer)
                    compared += 1
                }
            }
            #expect(compared > 400, "\(model.reference): too few confident answers to compare (\(compared))")
        }
    }
}
