import Foundation
import Hummingbird

extension Response {
    /// A JSON response with sorted keys (the admin, OFREP and console endpoints). Flag state is
    /// never cached by intermediaries: `Cache-Control: no-store`.
    static func json(status: HTTPResponse.Status = .ok, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
