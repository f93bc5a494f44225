import CRdKafka

extension KafkaConsumer {
    /// How far behind each assigned partition this consumer is: the partition's high watermark minus the consumer's
    /// position (the next offset it will hand out), both as librdkafka last saw them — the watermark comes with
    /// every fetch response (`rd_kafka_get_watermark_offsets`, cached, no broker round trip) and the position is
    /// `rd_kafka_position`. A partition not fetched yet, or without a position, is left out.
    public func lag() -> [KafkaTopicPartition: Int64] {
        let assigned = assignment
        guard !assigned.isEmpty else { return [:] }
        let list = RDKafkaTopicPartitionList(assigned.map {
            KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaTopicPartitionOffset.stored)
        })
        guard rd_kafka_position(client.handle, list.pointer) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [:] }
        var lags: [KafkaTopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointer.pointee.cnt) {
            let element = list.pointer.pointee.elems[index]
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 else { continue }
            var low: Int64 = -1, high: Int64 = -1
            guard rd_kafka_get_watermark_offsets(client.handle, element.topic, element.partition, &low, &high)
                == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0
            else { continue }
            lags[KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)] = max(0, high - element.offset)
        }
        return lags
    }
}
