import CoreMetrics
import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import ModelRegistry
import OnlineLearning
import ServiceLifecycle

// MARK: - FlywheelLoop

/// The loop's roles wired to Kafka for one process: the consumers (one consumer group per role, joined or — with
/// ``LoopSettings/readsAllPartitions`` — only committed to), one shared producer, and the role services. Run
/// ``services`` in one `ServiceGroup` in the order given — the producer, the consumers, then the roles — so on
/// shutdown (reverse order) each role finishes its batch first, then the consumers commit what was processed and
/// leave their groups, and the producer flushes what is left.
public final class FlywheelLoop: Sendable {
    /// The inference engine (inference role).
    public let engine: InferenceEngine?
    /// The models the engine serves (inference role).
    public let liveModels: LiveModels?
    /// What keeps them current from the models topic (inference role).
    public let modelUpdates: ModelUpdates?
    /// The feedback joiner (feedback role).
    public let joiner: FeedbackJoiner<ContinuousClock>?
    /// The trainer (trainer role).
    public let trainer: IncrementalTrainer?
    /// The promoter (trainer role).
    public let promoter: Promoter?
    /// The registry recorder (trainer role).
    public let recorder: RegistryRecorder?
    /// The registry (trainer role).
    public let registry: ModelRegistry?
    /// The trainer's lock, held while this process is the active trainer.
    let trainerLock: TrainerLock?
    /// The shared producer.
    public let producer: KafkaProducer
    /// The topics the roles use.
    public let topics: LoopTopics
    /// The wall clock events and registry entries are stamped with.
    public let wallClock: any WallClock
    /// Everything to run, in `ServiceGroup` order.
    public let services: [any Service]

    /// Builds the roles in `settings.roles`, starting from `initial` (see ``InitialModels``).
    /// - Throws: ``KafkaTransport/KafkaError`` for a bad client setting or an unreachable models topic;
    ///   ``ModelRegistry/RegistryError`` when the registry cannot be opened.
    public init(settings: LoopSettings, initial: ModelSet, logger: Logger) async throws {
        let topics = settings.topics
        self.topics = topics
        wallClock = settings.wallClock
        var producerConfiguration = KafkaProducerConfiguration(client: settings.client)
        producerConfiguration.linger = settings.producerLinger
        producerConfiguration.client.properties.merge(settings.producerProperties) { $1 }
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        // The cluster first (waiting while it is unreachable, up to settings.startupTimeout), before any consumer
        // joins a group: a process that gave up after joining would hold its group's rebalance up.
        let probe = try Self.probeConsumer(settings: settings, logger: logger)
        let metadata = try await Self.clusterMetadata(settings: settings, using: probe, logger: logger)
        func partitionCount(of topic: String) throws -> Int { try Self.partitionCount(of: topic, in: metadata) }
        var roleServices: [any Service] = []
        var consumers: [any Service] = []

        func consumerConfiguration(group: String, servesRequests: Bool = false) -> KafkaConsumerConfiguration {
            var configuration = KafkaConsumerConfiguration(client: settings.client, groupID: group)
            configuration.readsHeaders = false  // no role reads record headers; parsing them costs CPU per record
            // One batch waits at most: what arrives while a role handles a batch stays in librdkafka's queue and is
            // polled as one batch next (with more buffered batches, small batches queue behind each other and each
            // waits for the one before it to be delivered: ~400 ms of standing queue at 1,000 requests/s).
            configuration.bufferedBatches = 1
            if let wait = servesRequests ? settings.fetchWait : settings.backgroundFetchWait {
                configuration.client.properties["fetch.wait.max.ms"] = String(wait.milliseconds)
            }
            if let kilobytes = settings.prefetchKilobytes, configuration.client.properties["queued.max.messages.kbytes"] == nil {
                configuration.client.properties["queued.max.messages.kbytes"] = String(kilobytes)
            }
            configuration.client.properties.merge(settings.consumerProperties) { $1 }
            return configuration
        }

        /// The role's consumer, committing to the role's group: subscribed in it, or (`readsAllPartitions`) assigned
        /// every partition of `topics` from the group's commits.
        func roleConsumer(_ role: String, topics subscribed: [String]) async throws -> KafkaConsumer {
            var configuration = consumerConfiguration(group: "\(settings.groupPrefix)-\(role)", servesRequests: role == "inference")
            configuration.autoCommitInterval = .milliseconds(500)
            let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
            if settings.readsAllPartitions {
                try await consumer.assign(subscribed.flatMap { topic in
                    (0..<Int32(try partitionCount(of: topic))).map {
                        KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaTopicPartitionOffset.stored)
                    }
                })
            } else {
                try consumer.subscribe(topics: subscribed)
            }
            consumers.append(consumer)
            return consumer
        }

        var roleConfiguration = InferenceEngine.Configuration()
        roleConfiguration.topics = topics
        roleConfiguration.deliveryAttempts = settings.deliveryAttempts
        roleConfiguration.wallClock = settings.wallClock

        if settings.roles.contains(.inference) {
            // From a registry snapshot if one is given, else from nothing; then the model events after it (all of
            // them without a snapshot), so a restarted engine catches up with every version and decision — and
            // serves only once it has (its requests wait in Kafka meanwhile).
            let (start, positions) = Self.startingModels(initial, settings: settings, logger: logger)
            let live = LiveModels(start)
            let updatesConsumer = try KafkaConsumer(
                configuration: consumerConfiguration(group: "\(settings.groupPrefix)-inference-models-\(UUID().uuidString)"),
                logger: logger)
            let partitions = (0..<Int32(try partitionCount(of: topics.models))).map { $0 }
            let updates = ModelUpdates(
                consumer: updatesConsumer, models: live,
                catchingUpTo: try await updatesConsumer.watermarks(topic: topics.models, partitions: partitions), logger: logger)
            try await updatesConsumer.assign(partitions.map {
                KafkaTopicPartitionOffset(
                    topic: topics.models, partition: $0, offset: positions[$0] ?? KafkaTopicPartitionOffset.beginning)
            })
            consumers.append(updatesConsumer)
            let engine = InferenceEngine(
                consumer: try await roleConsumer("inference", topics: [topics.requests]), producer: producer, models: live,
                configuration: roleConfiguration, readiness: { try await updates.caughtUp() }, logger: logger)
            roleServices += [SpecializedRoleService(engine) { try await engine.run() }, updates]
            self.engine = engine
            self.liveModels = live
            self.modelUpdates = updates
        } else {
            engine = nil
            liveModels = nil
            modelUpdates = nil
        }

        if settings.roles.contains(.feedback) {
            var feedback = FeedbackRole<ContinuousClock.Instant>.Configuration()
            feedback.window = settings.joinWindow
            feedback.metricsWindow = settings.metricsWindow
            feedback.driftReportEvery = settings.driftReportEvery
            feedback.featureSchema = initial.champion.pipeline.schema
            feedback.driftReportInterval = settings.driftReportInterval
            feedback.featureDrift = settings.featureDrift
            feedback.labelGuard = settings.labelGuard
            feedback.labelClasses = initial.champion.learner.isClassifier ? initial.champion.learner.classCount : nil
            feedback.labelDelay = CoreMetrics.Timer(label: LoopMetricNames.labelDelay)
            try Self.checkCopartitioned(topics.predictions, topics.labels, in: metadata)
            let consumer = try await roleConsumer("feedback", topics: [topics.predictions, topics.labels])
            let restorer = FeedbackRole<ContinuousClock.Instant>.joinedExamplesRestorer(
                examplesTopic: topics.examples, examplesPartitions: try partitionCount(of: topics.examples),
                inputPartitions: try partitionCount(of: topics.predictions),
                consumer: consumerConfiguration(group: "\(settings.groupPrefix)-feedback-restore"), logger: logger)
            let joiner = try FeedbackJoiner(
                consumer: consumer, producer: producer,
                configuration: roleConfiguration, feedback: feedback, clock: ContinuousClock(),
                stateStore: try settings.feedbackStatePath.map { try StateStore(path: $0) }, restorer: restorer,
                logger: logger)
            roleServices.append(SpecializedRoleService(joiner) { try await joiner.run() })
            self.joiner = joiner
        } else {
            joiner = nil
        }

        if settings.roles.contains(.trainer) {
            // One trainer at a time: a second one on the same state stands by here until the first one ends.
            var lock: TrainerLock?
            if let statePath = settings.trainerStatePath { lock = try await TrainerLock(path: statePath + ".lock", logger: logger) }
            let registry = try ModelRegistry(path: settings.registryPath, keepVersions: settings.keepVersions)
            try registry.setInitialChampion(initial.champion.reference, ts: settings.wallClock.secondsSince1970)
            var modelTrainer = ModelTrainer(
                models: try Self.restore([initial.champion] + initial.shadows, from: registry, logger: logger),
                publishEvery: settings.publishEvery, restartsOnChampionDrift: settings.restartsOnChampionDrift,
                publishesYoungModelsSooner: settings.publishesYoungModelsSooner)
            // The champion as the registry has it, then as each promotion and rollback on the models topic says.
            modelTrainer.champion = try registry.snapshot(topic: topics.models).champion?.id ?? initial.champion.reference.id
            let trainer = try IncrementalTrainer(
                consumer: try await roleConsumer("trainer", topics: [topics.examples, topics.drift, topics.models]), producer: producer,
                trainer: modelTrainer,
                configuration: roleConfiguration, stateStore: try settings.trainerStatePath.map { try StateStore(path: $0) },
                recentCapacity: settings.recentRequests, saveEvery: settings.saveEvery,
                now: settings.wallClock.secondsSince1970, logger: logger)
            if let statePath = settings.trainerStatePath {
                try await Self.checkTrainerState(trainer.withCore(\.positions), path: statePath, using: probe)
            }
            let promoter = Promoter(
                consumer: try await roleConsumer("promoter", topics: [topics.examples, topics.models]), producer: producer,
                rule: settings.makePromotionPolicy(), recentCapacity: settings.recentRequests,
                configuration: roleConfiguration, logger: logger)
            // An operator's freeze outlives restarts: the audit log's latest freeze or unfreeze says which holds.
            if try registry.latestFreezeEntry()?.kind == .freeze {
                promoter.setFrozen(true)
                logger.notice("Automatic decisions stay frozen, as an operator left them")
            }
            trainerLock = lock
            let recorderConsumer = try KafkaConsumer(
                configuration: consumerConfiguration(group: "\(settings.groupPrefix)-registry"), logger: logger)
            var positions: [KafkaTopicPartitionOffset] = []
            for topic in [topics.models, topics.drift] {
                let partitions = try partitionCount(of: topic)
                positions += try RegistryRecorder.startPositions(registry: registry, partitions: partitions, topic: topic)
            }
            try await recorderConsumer.assign(positions)
            consumers.append(recorderConsumer)
            let recorder = RegistryRecorder(
                consumer: recorderConsumer, producer: producer, registry: registry, configuration: roleConfiguration,
                logger: logger)
            roleServices += [
                SpecializedRoleService(trainer) { try await trainer.run() }, SpecializedRoleService(promoter) { try await promoter.run() },
                SpecializedRoleService(recorder) { try await recorder.run() },
            ]
            self.trainer = trainer
            self.promoter = promoter
            self.recorder = recorder
            self.registry = registry
        } else {
            trainerLock = nil
            trainer = nil
            promoter = nil
            recorder = nil
            registry = nil
        }
        services = [producer] + consumers + roleServices
    }

    /// Each model as the registry last stored it (a restarted trainer goes on from there, numbering versions after
    /// the stored ones), or as given when the registry has none that loads for the model's schema and family.
    static func restore(_ models: [ServedModel], from registry: ModelRegistry, logger: Logger) throws -> [ServedModel] {
        try models.map { model in
            guard let stored = try registry.latestVersion(of: model.reference.id) else { return model }
            do {
                let (pipeline, learner) = try ModelBlob.decodeLearner(stored.weights, expectedSchema: model.pipeline.schema)
                guard learner.isClassifier == model.learner.isClassifier, learner.classCount == model.learner.classCount else {
                    throw ModelFormatError(.unknownModel, "the stored model is of another family")
                }
                logger.notice("Trainer resumes a model from the registry", metadata: ["flywheel.model.version": "\(stored.model)"])
                return ServedModel(reference: ModelReference(stored.model), pipeline: pipeline, learner: learner)
            } catch {
                logger.warning("A stored model does not load; training it from the start", metadata: [
                    "flywheel.model.version": "\(stored.model)", "flywheel.error": "\(error)",
                ])
                return model
            }
        }
    }

    /// The models an inference process starts from, and where in each models-topic partition to read on: the
    /// registry snapshot at `settings.modelsSnapshotPath` applied to `initial`, or `initial` and the beginning when
    /// there is none or it cannot be read (logged; the process then replays the whole topic).
    static func startingModels(_ initial: ModelSet, settings: LoopSettings, logger: Logger) -> (ModelSet, [Int32: Int64]) {
        guard let path = settings.modelsSnapshotPath else { return (initial, [:]) }
        guard FileManager.default.fileExists(atPath: path) else {
            logger.notice("No registry yet; replaying the models topic from the beginning", metadata: ["flywheel.registry": "\(path)"])
            return (initial, [:])
        }
        do {
            let snapshot = try ModelRegistry(path: path).snapshot(topic: settings.topics.models)
            let set = try initial.applying(snapshot)
            logger.notice("Models restored from the registry snapshot", metadata: [
                "flywheel.registry": "\(path)", "flywheel.champion": "\(set.champion.reference)",
                "flywheel.models.positions": "\(snapshot.positions.map { "\($0.partition):\($0.nextOffset)" })",
            ])
            return (set, Dictionary(uniqueKeysWithValues: snapshot.positions.map { ($0.partition, $0.nextOffset) }))
        } catch {
            logger.warning("The registry snapshot cannot be used; replaying the models topic from the beginning", metadata: [
                "flywheel.registry": "\(path)", "flywheel.error": "\(error)",
            ])
            return (initial, [:])
        }
    }

    /// Refuses to start a trainer whose saved state records a position past the end of its input partitions: the
    /// state belongs to another cluster, or the topics were made again, and resuming from it would skip records.
    /// - Throws: ``TrainerStateError`` naming the file, the partition and both offsets.
    static func checkTrainerState(_ positions: [InputPosition], path: String, using probe: KafkaConsumer) async throws {
        for topic in Set(positions.map(\.topic)).sorted() {
            let saved = positions.filter { $0.topic == topic }
            let marks = try await probe.watermarks(topic: topic, partitions: saved.map(\.partition))
            for position in saved where position.offset > (marks[position.partition]?.high ?? 0) {
                throw TrainerStateError(reason:
                    "the trainer state \(path) says \(topic)[\(position.partition)] was learned up to offset \(position.offset), "
                    + "but that partition ends at \(marks[position.partition]?.high ?? 0): the state belongs to another cluster or "
                    + "the topic was made again; remove the file (the trainer then resumes from the registry) or give "
                    + "--trainer-state another path")
            }
        }
    }

    /// Refuses to start the join when `predictions` and `labels` have different partition counts: a request's
    /// prediction and label are partitioned by request id, so they meet in the same partition number — and at the
    /// same member of the group — only when both topics have the same count.
    /// - Throws: ``KafkaTransport/KafkaError`` naming both topics and their counts.
    static func checkCopartitioned(_ predictions: String, _ labels: String, in metadata: KafkaClusterMetadata) throws {
        let counts = (try partitionCount(of: predictions, in: metadata), try partitionCount(of: labels, in: metadata))
        guard counts.0 == counts.1 else {
            throw KafkaError(
                code: .topicAdmin,
                reason: "topic '\(predictions)' has \(counts.0) partitions but '\(labels)' has \(counts.1); the feedback role "
                    + "joins a request's prediction and label in the same partition, so give both topics the same count",
                isRetriable: false)
        }
    }

    /// A consumer that only asks the cluster for metadata and watermarks (never subscribed, never run).
    static func probeConsumer(settings: LoopSettings, logger: Logger) throws -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(client: settings.client, groupID: "\(settings.groupPrefix)-probe")
        configuration.client.properties.merge(settings.consumerProperties) { $1 }
        return try KafkaConsumer(configuration: configuration, logger: logger)
    }

    /// The cluster's metadata, asked for again while no broker answers (a broker restarting or stalled) until
    /// `settings.startupTimeout` has passed.
    /// - Throws: ``KafkaTransport/KafkaError`` (unreachable) after that, or for a bad client setting.
    static func clusterMetadata(
        settings: LoopSettings, using probe: KafkaConsumer, logger: Logger
    ) async throws -> KafkaClusterMetadata {
        let deadline = ContinuousClock.now.advanced(by: settings.startupTimeout)
        while true {
            let failure: KafkaError
            do {
                return try await probe.metadata(timeout: .seconds(5))
            } catch {
                failure = error
            }
            guard failure.code == .unreachable, ContinuousClock.now < deadline else { throw failure }
            logger.notice("Waiting for Kafka", metadata: [
                "kafka.bootstrap.servers": "\(settings.client.bootstrapServers.joined(separator: ","))",
                "flywheel.error": "\(failure.reason)",
            ])
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// The partition count of `topic`, from the cluster's metadata.
    static func partitionCount(of topic: String, in metadata: KafkaClusterMetadata) throws -> Int {
        guard let found = metadata.topics[topic], found.error == nil, found.partitionCount > 0 else {
            throw KafkaError(
                code: .topicAdmin,
                reason: "topic '\(topic)' does not exist on the cluster; create it (see streams/README.md) or start "
                    + "`flywheel serve` without bootstrap servers to use the embedded broker",
                isRetriable: false)
        }
        return found.partitionCount
    }
}
