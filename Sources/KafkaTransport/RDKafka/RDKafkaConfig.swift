import CRdKafka

// MARK: - RDKafkaConfig

/// Builds an `rd_kafka_conf_t` from librdkafka properties, turning every rejected property into a
/// ``KafkaError`` that names it.
enum RDKafkaConfig {
    /// Makes a configuration object with `properties` applied in order.
    ///
    /// - Returns: a new `rd_kafka_conf_t` the caller owns ("rd_kafka_conf_new … The conf object is freed by any
    ///   successful rd_kafka_new() call", rdkafka.h); on a thrown error it has already been destroyed.
    /// - Throws: ``KafkaError/Code-swift.struct/invalidConfiguration`` naming the first rejected property.
    static func make(_ properties: [(String, String)]) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            fatalError("rd_kafka_conf_new returned NULL; librdkafka could not allocate a configuration object.")
        }
        for (name, value) in properties {
            do {
                try set(conf, name: name, value: value)
            } catch {
                rd_kafka_conf_destroy(conf)
                throw error
            }
        }
        return conf
    }

    /// Sets one property on `conf`.
    /// - Throws: ``KafkaError/Code-swift.struct/invalidConfiguration`` with librdkafka's explanation.
    static func set(_ conf: OpaquePointer, name: String, value: String) throws(KafkaError) {
        var errorText = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
        switch result {
        case RD_KAFKA_CONF_OK:
            return
        case RD_KAFKA_CONF_UNKNOWN:
            throw KafkaError(
                code: .invalidConfiguration,
                reason: "unknown Kafka property '\(name)': librdkafka 2.0.2 has no such property (check the "
                    + "spelling against librdkafka's CONFIGURATION.md)"
            )
        default:
            let detail = String(errorBuffer: errorText)
            throw KafkaError(
                code: .invalidConfiguration,
                reason: "invalid value for Kafka property '\(name)': \(detail)"
            )
        }
    }
}

extension String {
    /// Reads a NUL-terminated C error buffer as librdkafka fills it (`errstr`).
    init(errorBuffer: [CChar]) {
        self.init(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
