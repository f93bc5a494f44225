import CRdKafka

// MARK: - RDKafkaTopicNames

/// Turns librdkafka topic handles into Swift strings once, for the poll threads that copy messages and reports.
///
/// Consecutive messages nearly always share a topic, so the last handle is checked before the dictionary.
/// Owned by one poll thread; not shared.
struct RDKafkaTopicNames {
    private var last: (handle: OpaquePointer, name: String)?
    private var names: [OpaquePointer: String] = [:]

    /// The name of the topic `handle` stands for, or an empty string when there is none.
    mutating func name(of handle: OpaquePointer?) -> String {
        guard let handle else { return "" }
        if let last, last.handle == handle { return last.name }
        let name: String
        if let known = names[handle] {
            name = known
        } else {
            name = String(cString: rd_kafka_topic_name(handle))
            names[handle] = name
        }
        last = (handle, name)
        return name
    }
}
