import ArgumentParser
import Flywheel
import Foundation
import Logging
import OnlineLearning

// MARK: - LoopOptions

/// The loop settings `demo` and `serve` share.
struct LoopOptions: ParsableArguments {
    /// Examples between published model versions.
    @Option(help: "Publish a new version of each model every this many joined examples.")
    var publishEvery = 250

    /// The promotion rule's window.
    @Option(help: "Compare challenger and champion over this many of the latest requests both answered.")
    var promotionWindow = 1000

    /// The promotion rule's margin.
    @Option(help: "Promote a challenger whose accuracy over the window beats the champion's by this much.")
    var promotionMargin = 0.02

    /// Log verbosity.
    @Option(help: "How much to log to stderr.")
    var logLevel: Logger.Level = .warning

    /// Checks the values.
    func validate() throws {
        guard publishEvery > 0 else { throw ValidationError("--publish-every must be at least 1, not \(publishEvery).") }
        guard promotionWindow > 0 else {
            throw ValidationError("--promotion-window must be at least 1, not \(promotionWindow).")
        }
        guard promotionMargin >= 0, promotionMargin < 1 else {
            throw ValidationError("--promotion-margin must be in [0, 1), not \(promotionMargin).")
        }
    }

    /// Applies the options to `settings`.
    func apply(to settings: inout LoopSettings) {
        settings.publishEvery = publishEvery
        settings.promotionWindow = promotionWindow
        settings.promotionMargin = promotionMargin
    }

    /// Reads a feature schema file (streams/*.schema.json or a data set's .meta.json).
    static func loadSchema(_ path: String, flag: String) throws -> FeatureSchema {
        let data = try EvalCommand.read(path, flag: flag)
        do {
            return try JSONDecoder().decode(FeatureSchema.self, from: data)
        } catch {
            throw ValidationError("\(flag) \(path) is not a feature schema: \(error)")
        }
    }
}
