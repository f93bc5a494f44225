#ifndef FLYWHEEL_CRDKAFKA_SHIM_H
#define FLYWHEEL_CRDKAFKA_SHIM_H

/* librdkafka 2.0.2 (Debian librdkafka-dev). Only the KafkaTransport target imports this module. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/*
 * rd_kafka_producev() is variadic, which Swift cannot call, and rd_kafka_produceva() takes an array of
 * rd_kafka_vu_t, whose anonymous union is awkward from Swift. This wrapper fills the array in C.
 *
 * Ownership (rdkafka.h, rd_kafka_produceva / RD_KAFKA_V_HEADERS): the payload and key are copied
 * (RD_KAFKA_MSG_F_COPY), so the caller's buffers may be freed on return. "The message object will
 * assume ownership of the headers (unless producev() fails)": on success `headers` belongs to
 * librdkafka; on failure (non-NULL return) the caller still owns it and must destroy it.
 */
static inline rd_kafka_error_t *flywheel_produce(rd_kafka_t *rk,
                                                 rd_kafka_topic_t *topic,
                                                 int32_t partition,
                                                 const void *key,
                                                 size_t key_len,
                                                 const void *value,
                                                 size_t value_len,
                                                 rd_kafka_headers_t *headers,
                                                 void *opaque) {
        rd_kafka_vu_t vus[7];
        size_t n = 0;
        /* A topic handle, not a name: a name makes librdkafka look the topic up on every message. */
        vus[n].vtype  = RD_KAFKA_VTYPE_RKT;
        vus[n++].u.rkt = topic;
        vus[n].vtype  = RD_KAFKA_VTYPE_PARTITION;
        vus[n++].u.i32 = partition;
        vus[n].vtype        = RD_KAFKA_VTYPE_VALUE;
        vus[n].u.mem.ptr    = (void *)value;
        vus[n++].u.mem.size = value_len;
        if (key != NULL) {
                vus[n].vtype        = RD_KAFKA_VTYPE_KEY;
                vus[n].u.mem.ptr    = (void *)key;
                vus[n++].u.mem.size = key_len;
        }
        vus[n].vtype  = RD_KAFKA_VTYPE_MSGFLAGS;
        vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
        vus[n].vtype  = RD_KAFKA_VTYPE_OPAQUE;
        vus[n++].u.ptr = opaque;
        if (headers != NULL) {
                vus[n].vtype      = RD_KAFKA_VTYPE_HEADERS;
                vus[n++].u.headers = headers;
        }
        return rd_kafka_produceva(rk, vus, n);
}

#endif
