import KafkaTransport
import Logging
import ModelRegistry

// MARK: - IncrementalTrainer

/// Trains the models (the champion's line and the shadows) on the joined-examples topic and publishes their new
/// versions on the models topic (all under ``Publication/modelsKey``): a ``TrainerRole`` run by a ``RoleRunner``. Subscribe its consumer
/// to the drift topic too, to restart a shadow on a champion alarm. Malformed examples go to the dead-letter topic.
public typealias IncrementalTrainer = RoleRunner<TrainerRole, ContinuousClock>

extension RoleRunner where Role == TrainerRole, C == ContinuousClock {
    /// Makes a trainer service around a ``ModelTrainer``; with a `stateStore` it starts from the state saved there (an
    /// empty store gets the starting state, stamped `now`) and saves it as ``TrainerRole`` says.
    /// - Throws: ``ModelRegistry/RegistryError`` when the state store cannot be read or written.
    public convenience init(
        consumer: KafkaConsumer, producer: KafkaProducer, trainer: ModelTrainer, configuration: Configuration = .init(),
        stateStore: StateStore? = nil, recentCapacity: Int = LoopDefaults.recentRequests, saveEvery: Int? = nil,
        now: Double = 0, logger: Logger
    ) throws(RegistryError) {
        let core = try TrainerRole(
            trainer: trainer, store: stateStore, recentCapacity: recentCapacity, saveEvery: saveEvery, now: now)
        if stateStore != nil, core.examplesLearned > 0 {
            logger.notice("Trainer state restored", metadata: [
                "flywheel.examples.learned": "\(core.examplesLearned)",
                "flywheel.models": "\(core.trainer.models.map { "\($0.reference)" }.joined(separator: ", "))",
            ])
        }
        self.init(core: core, consumer: consumer, producer: producer, configuration: configuration, clock: ContinuousClock(), logger: logger)
    }

    /// Examples skipped as duplicates (request id learned already), and records skipped after a restart because the
    /// saved state already reflects them.
    public var skipped: (duplicates: Int, replayed: Int) {
        let counts = withCore { [$0.duplicatesSkipped, $0.replayedSkipped] }
        return (counts[0], counts[1])
    }

    /// The models as trained so far.
    public var models: [ServedModel] { withCore { $0.trainer.models } }

    /// Shadows restarted after drift alarms on the champion.
    public var restartsAfterDrift: Int { withCore { $0.restartsAfterDrift } }

    /// Joined examples learned so far, and model versions published.
    public var learning: (examplesLearned: Int, versionsPublished: Int) { progress }
}
