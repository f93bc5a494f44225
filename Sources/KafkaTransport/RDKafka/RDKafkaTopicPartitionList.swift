import CRdKafka

// MARK: - RDKafkaTopicPartitionList

/// The one Swift owner of an `rd_kafka_topic_partition_list_t` it created; destroyed in `deinit`.
///
/// Lists librdkafka hands to a callback are *not* wrapped in this class (they belong to librdkafka); read those with
/// ``positions(in:)``.
final class RDKafkaTopicPartitionList {
    /// The list; valid until `deinit`.
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// Makes a list holding `positions`.
    init(_ positions: [KafkaTopicPartitionOffset]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(positions.count, 1)))
        for position in positions {
            let entry = rd_kafka_topic_partition_list_add(pointer, position.topic, position.partition)!
            entry.pointee.offset = position.offset
        }
    }

    /// Makes a list of whole topics (partition "unassigned"), for `rd_kafka_subscribe`.
    init(topics: [String]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(topics.count, 1)))
        for topic in topics {
            _ = rd_kafka_topic_partition_list_add(pointer, topic, RD_KAFKA_PARTITION_UA)
        }
    }

    deinit {
        rd_kafka_topic_partition_list_destroy(pointer)
    }

    /// The entries of a list, with their per-entry errors.
    static func entries(
        in list: UnsafePointer<rd_kafka_topic_partition_list_t>
    ) -> [(position: KafkaTopicPartitionOffset, error: KafkaResponseCode?)] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            let position = KafkaTopicPartitionOffset(
                topic: String(cString: element.topic),
                partition: element.partition,
                offset: element.offset
            )
            let error = element.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaResponseCode(rawValue: element.err.rawValue)
            return (position, error)
        }
    }

    /// The positions in a list.
    static func positions(in list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartitionOffset] {
        entries(in: list).map(\.position)
    }
}
