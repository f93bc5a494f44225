#!/usr/bin/env bash
# Whether the embedded broker can delete consumed records (Kafka's DeleteRecords, what would keep its partitions short:
# its fetch walks a partition's message sets from the oldest, docs/benchmarks.md). Starts `flywheel broker`, produces
# 100 records to one partition, asks it to delete those below offset 50 through librdkafka's rd_kafka_DeleteRecords
# (a small C program, compiled here against librdkafka-dev), and prints the answer and the partition's watermarks.
# librdkafka 2.0.2's mock broker answers "Local: Required feature not supported by broker"; watermarks stay 0 / 100.
#
# Usage: scripts/broker-delete-records.sh [path-to-flywheel-binary]   (default: .build/release/flywheel)
set -euo pipefail
FLYWHEEL="${1:-.build/release/flywheel}"
CC="${CC:-$(command -v cc || command -v clang || true)}"
[ -n "$CC" ] || { echo "broker-delete-records: no C compiler (cc or clang)" >&2; exit 1; }
[ -x "$FLYWHEEL" ] || { echo "broker-delete-records: $FLYWHEEL not built (swift build -c release --product flywheel)" >&2; exit 1; }
WORK="$(mktemp -d)"
cat > "$WORK/delete.c" <<'C'
#include <librdkafka/rdkafka.h>
#include <stdio.h>
int main(int argc, char **argv) {
    char error[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], error, sizeof error);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    for (int i = 0; i < 100; i++)
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE("record", 6), RD_KAFKA_V_END);
    rd_kafka_flush(rk, 10000);
    rd_kafka_topic_partition_list_t *below = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(below, "t", 0)->offset = 50;
    rd_kafka_DeleteRecords_t *request = rd_kafka_DeleteRecords_new(below);
    rd_kafka_queue_t *queue = rd_kafka_queue_new(rk);
    rd_kafka_DeleteRecords(rk, &request, 1, NULL, queue);
    rd_kafka_event_t *event = rd_kafka_queue_poll(queue, 10000);
    if (!event) { printf("DeleteRecords: no answer in 10 s\n"); return 1; }
    const rd_kafka_DeleteRecords_result_t *result = rd_kafka_event_DeleteRecords_result(event);
    const rd_kafka_topic_partition_list_t *answers = result ? rd_kafka_DeleteRecords_result_offsets(result) : NULL;
    for (int i = 0; answers && i < answers->cnt; i++)
        printf("DeleteRecords below offset 50 of t[%d]: %s\n", answers->elems[i].partition, rd_kafka_err2str(answers->elems[i].err));
    int64_t low = -1, high = -1;
    rd_kafka_query_watermark_offsets(rk, "t", 0, &low, &high, 10000);
    printf("watermarks of t[0] afterwards: %lld / %lld\n", (long long)low, (long long)high);
    return 0;
}
C
"$CC" "$WORK/delete.c" -o "$WORK/delete" -lrdkafka
"$FLYWHEEL" broker --topic t:1 --bootstrap-file "$WORK/bootstrap" --log-level warning >/dev/null 2>&1 &
BROKER=$!
trap 'kill "$BROKER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do [ -s "$WORK/bootstrap" ] && break; sleep 0.1; done
"$WORK/delete" "$(cat "$WORK/bootstrap")"
