import CRdKafka

extension KafkaConsumer {
    /// Stops fetching `partitions` (those of them assigned) and resumes fetching every partition this call paused
    /// before that is not among them (`rd_kafka_pause_partitions` / `rd_kafka_resume_partitions`): how a role holds
    /// back one input while it waits for another. Records already polled are still handed out; a resumed
    /// partition is fetched again from the record after the last one handed out, so nothing is skipped.
    ///
    /// Call it again after a rebalance (a partition assigned anew starts unpaused; the next call pauses it); a call
    /// with the same partitions and assignment changes nothing.
    public func pauseFetching(_ partitions: Set<KafkaTopicPartition>) {
        let assigned = groupState.withLock { ($0.assignment, $0.statistics.assignments) }
        let wanted = partitions.intersection(assigned.0)
        let (pause, resume) = paused.withLock { paused -> (Set<KafkaTopicPartition>, Set<KafkaTopicPartition>) in
            // After a rebalance librdkafka fetches every partition it assigned: pause the wanted ones again.
            if paused.assignments != assigned.1 { paused = ([], assigned.1) }
            let pause = wanted.subtracting(paused.partitions)
            let resume = paused.partitions.subtracting(wanted).intersection(assigned.0)
            paused.partitions = wanted
            return (pause, resume)
        }
        for (partitions, pausing) in [(pause, true), (resume, false)] where !partitions.isEmpty {
            let list = RDKafkaTopicPartitionList(partitions.map {
                KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.stored)
            })
            let err = pausing
                ? rd_kafka_pause_partitions(client.handle, list.pointer)
                : rd_kafka_resume_partitions(client.handle, list.pointer)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.warning("Pausing or resuming partitions failed", metadata: [
                    "kafka.action": "\(pausing ? "pause" : "resume")", KafkaLogKey.error: "\(KafkaResponseCode(rawValue: err.rawValue))",
                ])
            }
        }
        if !pause.isEmpty || !resume.isEmpty {
            logger.debug("Fetching paused", metadata: [
                "kafka.partitions.paused": "\(wanted.count)", KafkaLogKey.topic: "\(Set(wanted.map(\.topic)).sorted().joined(separator: ","))",
            ])
        }
    }

    /// The partitions ``pauseFetching(_:)`` holds paused now.
    public var pausedPartitions: Set<KafkaTopicPartition> { paused.withLock { $0.partitions } }
}
