import KafkaTransport
import Logging

// MARK: - IncrementalTrainer

/// Trains the models (the champion's line and the shadows) on the joined-examples topic and publishes their new
/// versions on the models topic (keyed by model id): a ``TrainerRole`` run by a ``RoleRunner``. Subscribe its consumer
/// to the drift topic too, to restart a shadow on a champion alarm. Malformed examples go to the dead-letter topic.
public typealias IncrementalTrainer = RoleRunner<TrainerRole, ContinuousClock>

extension RoleRunner where Role == TrainerRole, C == ContinuousClock {
    /// Makes a trainer service around a ``ModelTrainer``.
    public convenience init(
        consumer: KafkaConsumer, producer: KafkaProducer, trainer: ModelTrainer, configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.init(
            core: TrainerRole(trainer: trainer), consumer: consumer, producer: producer, configuration: configuration,
            clock: ContinuousClock(), logger: logger)
    }

    /// The models as trained so far.
    public var models: [ServedModel] { withCore { $0.trainer.models } }

    /// Shadows restarted after drift alarms on the champion.
    public var restartsAfterDrift: Int { withCore { $0.restartsAfterDrift } }

    /// Joined examples learned so far, and model versions published.
    public var learning: (examplesLearned: Int, versionsPublished: Int) {
        let counts = withCore { [$0.examplesLearned, $0.versionsPublished] }
        return (counts[0], counts[1])
    }
}
