import Foundation
import Hummingbird

// MARK: - JSONBody

/// JSON answers with sorted keys, so the same state is always the same text.
enum JSONBody {
    /// `value` as a JSON response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"the answer could not be encoded"}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(data) + [10])))
    }

    /// A text response of `contentType`.
    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// An error answer: `{"error": reason}`.
    static func error(_ reason: String, status: HTTPResponse.Status) -> Response {
        response(["error": reason], status: status)
    }
}
