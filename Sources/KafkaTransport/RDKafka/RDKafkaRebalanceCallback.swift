import CRdKafka
import Logging

/// librdkafka's rebalance callback (`rd_kafka_conf_set_rebalance_cb`): commits what the application processed before
/// partitions go, then applies the new assignment.
///
/// librdkafka calls it from inside `rd_kafka_consumer_poll`, on the consumer's poll thread. It is a global,
/// non-isolated `@convention(c)` function (see ../shared/PLATFORM-NOTES.md); the context comes through the opaque
/// pointer set with `rd_kafka_conf_set_opaque`, retained by ``RDKafkaClient``.
let rdKafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { handle, err, partitions, opaque in
        guard let handle, let opaque else { return }
        let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
        guard let state = context.consumerState else { return }
        let isCooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        let changed = partitions.map { RDKafkaTopicPartitionList.positions(in: $0).map(\.topicPartition) } ?? []

        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            state.withLock { $0.assigned(changed) }
            context.logger.info("Partitions assigned", metadata: ["kafka.partitions": "\(changed.map(\.description).joined(separator: ", "))"])
            if isCooperative {
                if let error = rd_kafka_incremental_assign(handle, partitions) {
                    context.logger.error("Incremental assign failed", metadata: [
                        KafkaLogKey.error: "\(KafkaError.consuming(error, code: .client, context: "incremental assign"))",
                    ])
                }
            } else {
                _ = rd_kafka_assign(handle, partitions)
            }

        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let revocation = state.withLock { $0.revoking(changed) }
            context.logger.info("Partitions revoked", metadata: ["kafka.partitions": "\(changed.map(\.description).joined(separator: ", "))"])
            var commitSucceeded = true
            if !revocation.offsetsToCommit.isEmpty {
                let list = RDKafkaTopicPartitionList(revocation.offsetsToCommit)
                // Synchronous: the next owner must see these offsets. `rd_kafka_commit(…, async=0)`.
                let commitError = rd_kafka_commit(handle, list.pointer, 0)
                commitSucceeded = commitError == RD_KAFKA_RESP_ERR_NO_ERROR || commitError == RD_KAFKA_RESP_ERR__NO_OFFSET
                if !commitSucceeded {
                    context.logger.notice(
                        "Commit before revocation failed; the next owner reads from the last confirmed commit",
                        metadata: [KafkaLogKey.error: "\(KafkaResponseCode(rawValue: commitError.rawValue))"]
                    )
                }
            }
            state.withLock { $0.revoked(revocation, commitSucceeded: commitSucceeded) }
            if isCooperative {
                if let error = rd_kafka_incremental_unassign(handle, partitions) {
                    context.logger.error("Incremental unassign failed", metadata: [
                        KafkaLogKey.error: "\(KafkaError.consuming(error, code: .client, context: "incremental unassign"))",
                    ])
                }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }

        default:
            context.logger.error("Rebalance failed", metadata: [KafkaLogKey.error: "\(KafkaResponseCode(rawValue: err.rawValue))"])
            state.withLock { state in
                let revocation = state.revoking(Array(state.assignment))
                state.revoked(revocation, commitSucceeded: false)
            }
            _ = rd_kafka_assign(handle, nil)
        }
    }

/// librdkafka's offset-commit callback (`rd_kafka_conf_set_offset_commit_cb`): records which positions the broker
/// confirmed, for the duplicate bound. Served from `rd_kafka_consumer_poll` on the poll thread, for background
/// (auto) commits and for ``KafkaConsumer/commit()``.
let rdKafkaOffsetCommitCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { _, err, offsets, opaque in
        guard let opaque, let offsets else { return }
        let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
        guard let state = context.consumerState else { return }
        let confirmed = RDKafkaTopicPartitionList.entries(in: offsets).filter { $0.error == nil }.map(\.position)
        state.withLock { $0.committed(confirmed) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            context.logger.debug("Offset commit reported an error", metadata: [KafkaLogKey.error: "\(KafkaResponseCode(rawValue: err.rawValue))"])
        }
    }
