import CutoverCore
import Foundation
import Hummingbird

/// The read API's error: a stable code, an HTTP status and a message meant for API clients.
/// Rendered as `application/problem+json` (RFC 9457). Database errors are never passed through:
/// they become `unavailable` or `internal` with a generic message and are logged server-side.
public struct APIError: Error, HTTPResponseError, Sendable {
    public enum Code: String, Sendable {
        case authMissing = "auth.missing"
        case authInvalid = "auth.invalid"
        case forbidden = "auth.forbidden"
        case invalidRequest = "request.invalid"
        case notFound = "resource.not_found"
        case unavailable = "service.unavailable"
        case internalError = "service.internal"

        var status: HTTPResponse.Status {
            switch self {
            case .authMissing, .authInvalid: .unauthorized
            case .forbidden: .forbidden
            case .invalidRequest: .badRequest
            case .notFound: .notFound
            case .unavailable: .serviceUnavailable
            case .internalError: .internalServerError
            }
        }

        var title: String {
            switch self {
            case .authMissing: "Authentication required"
            case .authInvalid: "Invalid token"
            case .forbidden: "Forbidden"
            case .invalidRequest: "Invalid request"
            case .notFound: "Not found"
            case .unavailable: "Service unavailable"
            case .internalError: "Internal error"
            }
        }
    }

    public var code: Code
    public var detail: String
    /// The offending query or path parameter, if any.
    public var parameter: String?

    public init(_ code: Code, _ detail: String, parameter: String? = nil) {
        self.code = code
        self.detail = detail
        self.parameter = parameter
    }

    public var status: HTTPResponse.Status { code.status }

    /// The problem document.
    struct Problem: Codable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var code: String
        var parameter: String?
        var instance: String?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let problem = Problem(type: "https://cutover.dev/problems/\(code.rawValue)", title: code.title, status: Int(status.code),
                              detail: detail, code: code.rawValue, parameter: parameter, instance: request.uri.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if code == .authMissing || code == .authInvalid { headers[.wwwAuthenticate] = "Bearer realm=\"cutover\"" }
        if code == .unavailable { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(problem))))
    }
}
