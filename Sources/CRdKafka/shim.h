#ifndef FLYWHEEL_CRDKAFKA_SHIM_H
#define FLYWHEEL_CRDKAFKA_SHIM_H

/* librdkafka 2.0.2 (Debian librdkafka-dev). Only the KafkaTransport target imports this module. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/*
 * Produces one message by topic handle and returns librdkafka's error code.
 *
 * rd_kafka_producev() is variadic, which Swift cannot call, and rd_kafka_produceva() takes an array of
 * rd_kafka_vu_t, whose anonymous union is awkward from Swift, so this wrapper fills it in C. Without headers it
 * calls rd_kafka_produce() instead, which does the same with less per-message work (as kcat does).
 *
 * Ownership (rdkafka.h): the payload and key are copied (RD_KAFKA_MSG_F_COPY), so the caller's buffers may be freed
 * on return. For RD_KAFKA_V_HEADERS, "the message object will assume ownership of the headers (unless producev()
 * fails)": on success `headers` belongs to librdkafka; on failure the caller still owns it and must destroy it.
 */
static inline rd_kafka_resp_err_t flywheel_produce(rd_kafka_t *rk,
                                                   rd_kafka_topic_t *topic,
                                                   int32_t partition,
                                                   const void *key,
                                                   size_t key_len,
                                                   const void *value,
                                                   size_t value_len,
                                                   rd_kafka_headers_t *headers,
                                                   void *opaque) {
        if (headers == NULL) {
                if (rd_kafka_produce(topic, partition, RD_KAFKA_MSG_F_COPY, (void *)value, value_len, key, key_len,
                                     opaque) == -1)
                        return rd_kafka_last_error();
                return RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        rd_kafka_vu_t vus[7];
        size_t n = 0;
        /* A topic handle, not a name: a name makes librdkafka look the topic up on every message. */
        vus[n].vtype   = RD_KAFKA_VTYPE_RKT;
        vus[n++].u.rkt = topic;
        vus[n].vtype   = RD_KAFKA_VTYPE_PARTITION;
        vus[n++].u.i32 = partition;
        vus[n].vtype        = RD_KAFKA_VTYPE_VALUE;
        vus[n].u.mem.ptr    = (void *)value;
        vus[n++].u.mem.size = value_len;
        if (key != NULL) {
                vus[n].vtype        = RD_KAFKA_VTYPE_KEY;
                vus[n].u.mem.ptr    = (void *)key;
                vus[n++].u.mem.size = key_len;
        }
        vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
        vus[n].vtype   = RD_KAFKA_VTYPE_OPAQUE;
        vus[n++].u.ptr = opaque;
        vus[n].vtype       = RD_KAFKA_VTYPE_HEADERS;
        vus[n++].u.headers = headers;
        rd_kafka_error_t *error = rd_kafka_produceva(rk, vus, n);
        if (error == NULL)
                return RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_resp_err_t code = rd_kafka_error_code(error);
        rd_kafka_error_destroy(error);
        return code;
}

#endif
