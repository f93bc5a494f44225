"""Reads joined examples off flywheel.examples and prints each as JSON (example.schema.json), one per line.

The feedback role writes examples in a binary form (docs/event-formats.md: "FWX" + version 1, little-endian
fields); older or outside-produced examples may be JSON. This reads both, with nothing but the standard library.

Usage: kcat -b HOST:PORT -C -t flywheel.examples -o beginning -e -q -f '%R%s' | python3 scripts/read-examples.py
  kcat's %R writes each message's length as a 4-byte big-endian integer, then %s the message itself.
  --check  exit 1 at the first message that cannot be read (default: print an {"error": ...} line and go on).
"""
import json
import math
import struct
import sys

MAGIC = b"FWX\x01"


class Truncated(Exception):
    pass


class Reader:
    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def take(self, count: int) -> bytes:
        if self.offset + count > len(self.data):
            raise Truncated()
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def count(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def integer(self) -> int:
        return struct.unpack("<q", self.take(8))[0]

    def double(self) -> float:
        value = struct.unpack("<d", self.take(8))[0]
        if not math.isfinite(value):
            raise ValueError("a number is not finite")
        return value

    def string(self) -> str:
        return self.take(self.count()).decode("utf-8")


def number(value: float):
    """JSON's number for a double: an integer when it is one (as the JSON form writes it)."""
    return int(value) if value.is_integer() and abs(value) < 2**53 and not (value == 0 and math.copysign(1, value) < 0) else value


def decode_binary(data: bytes) -> dict:
    reader = Reader(data)
    if reader.take(4) != MAGIC:
        raise ValueError("not a binary example")
    example = {"requestId": reader.string(), "requestTs": number(reader.double()),
               "labelTs": number(reader.double()), "label": number(reader.double())}
    features = {}
    for _ in range(reader.count()):
        name, tag = reader.string(), reader.take(1)[0]
        if tag == 0:
            features[name] = None
        elif tag == 1:
            features[name] = number(reader.double())
        elif tag == 2:
            features[name] = reader.string()
        else:
            raise ValueError(f"feature {name!r} has unknown type tag {tag}")
    example["features"] = features
    predictions = []
    for _ in range(reader.count()):
        output = {"model": {"id": reader.string(), "version": reader.integer()}, "answer": number(reader.double())}
        count = reader.count()
        if count > 0:
            output["probabilities"] = [number(reader.double()) for _ in range(count - 1)]
        predictions.append(output)
    if not predictions:
        raise ValueError("no served answer")
    if reader.offset != len(data):
        raise ValueError("bytes after the end")
    example["predictions"] = predictions
    return example


def decode(data: bytes) -> dict:
    return decode_binary(data) if data.startswith(MAGIC) else json.loads(data)


def main() -> None:
    check = "--check" in sys.argv[1:]
    stream = sys.stdin.buffer
    index = 0
    while True:
        head = stream.read(4)
        if not head:
            break
        if len(head) < 4:
            sys.exit("read-examples: input ends inside a length: was it written with kcat -f '%R%s'?")
        (length,) = struct.unpack(">i", head)
        data = stream.read(max(length, 0))
        try:
            line = json.dumps(decode(data), sort_keys=True, ensure_ascii=False)
        except (Truncated, ValueError, UnicodeDecodeError) as error:
            reason = "cut short" if isinstance(error, Truncated) else str(error)
            if check:
                sys.exit(f"read-examples: message {index} cannot be read: {reason}")
            line = json.dumps({"error": reason, "message": index})
        print(line)
        index += 1


if __name__ == "__main__":
    main()
