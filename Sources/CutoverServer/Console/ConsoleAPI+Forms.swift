import CutoverCore
import CutoverPostgres
import Foundation
import HTTPTypes
import Hummingbird

/// The flag form (`POST /console/flags`) and the HTTP plumbing of the console's pages.
extension ConsoleAPI {
    /// Applies one flag form: ops caller, same origin and CSRF token first, then a reason, then
    /// ``FlagStore/set(on:name:change:actor:reason:automatic:onlyIf:)`` with its audit row.
    /// Success redirects (303) to the console with a flash message; a refused change renders the
    /// console again with the error and changes nothing.
    func changeFlag(_ request: Request, _ authenticator: TokenAuthenticator) async -> Response {
        let session = ConsoleAuth.token(request)
        let auth = await authenticate(session?.token, authenticator)
        if let refusal = refusal(auth, request) { return refusal }
        guard case .ops(let caller, let token) = auth else { return Self.html(.internalServerError, "") }
        let fields = await Self.form(request)
        guard ConsoleAuth.sameOrigin(request), ConsoleAuth.csrfMatches(fields["csrf"], token: token) else { return Self.forbiddenForm() }
        let unexpected = Self.unexpected(request, fields, known: ["csrf", "flag", "module", "state", "percent", "reason"])

        let name = fields["flag"] ?? ""
        let module = fields["module"].flatMap { $0.isEmpty || $0 == "default" ? nil : $0 }
        let state = fields["state"] ?? ""
        let reason = (fields["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let target = "\(name)\(module.map { ", module \($0)" } ?? "") → \(state)"
        func again(_ status: HTTPResponse.Status, _ error: String) async -> Response {
            let data = await ConsoleData.load(client: client, monitor: monitor, calendar: calendar, logger: logger)
            return Self.html(status, ConsolePage(data: data, caller: caller, csrf: ConsoleAuth.csrf(for: token), flash: nil, error: error).render())
        }
        if let unexpected { return await again(.badRequest, unexpected.message + ". Nothing was changed (\(target)).") }
        guard !reason.isEmpty else {
            return await again(.badRequest, "A reason is required for every flag change; it goes into the audit trail. Nothing was changed (\(target)).")
        }
        var percent: Int?
        if let text = fields["percent"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty, state != FlagChange.inherit {
            guard let n = RequestParameters.integer(text) else { return await again(.badRequest, "The percentage must be a whole number from 0 to 100. Nothing was changed (\(target)).") }
            percent = n
        }
        let change = FlagChange(variant: state, module: module, percent: percent)
        let actor = FlagAdminAPI.actor(caller) + " via console"
        do {
            let update = try await client.withConnection { c in
                try await FlagStore(logger: logger).set(on: c, name: name, change: change, actor: actor, reason: reason)
            }
            logger.notice("console flag change", metadata: ["flag": "\(name)", "change": "\(target)", "actor": "\(actor)",
                                                            "audit": "\(update.auditID.map(String.init) ?? "none")"])
            let query = update.auditID.map { "changed=\($0)" } ?? "unchanged=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            return Self.redirect("/console?\(query)#flags", cookie: nil)
        } catch let error as CoreError {
            return await again(.badRequest, error.message + ". Nothing was changed.")
        } catch let error as DatabaseError where error.code == .flagsNotInstalled {
            return await again(.serviceUnavailable, error.message)
        } catch {
            logger.error("console: flag change failed", metadata: ["error": "\(Database.translate(error, doing: "changing a flag"))"])
            return await again(.internalServerError, "The flag change failed; the error is logged. Nothing was changed.")
        }
    }

    static func forbiddenForm() -> Response {
        html(.forbidden, ConsolePage.message(
            title: "Form not accepted",
            text: "The form's security token is missing or does not belong to this session, or it was sent from another site. Reload the console and try again.",
            action: ("/console", "Back to the console")))
    }

    /// The query parameters, checked as the API checks them: a repeated one, or one not in
    /// `known`, is a failure naming it.
    static func query(_ request: Request, known: Set<String>) -> Result<[String: String], CoreError> {
        do {
            let parameters = try ReadAPI.parameters(request)
            try RequestParameters.rejectUnknown(parameters.keys, known: known)
            return .success(parameters)
        } catch let error as CoreError {
            return .failure(error)
        } catch {
            return .failure(CoreError(.invalidArgument, (error as? APIError)?.detail ?? "the query is not valid"))
        }
    }

    /// What is wrong with a POST's input: any query parameter, or a form field not in `known`.
    static func unexpected(_ request: Request, _ fields: [String: String], known: Set<String>) -> CoreError? {
        if case .failure(let error) = query(request, known: []) { return error }
        do {
            try RequestParameters.rejectUnknown(fields.keys, known: known, kind: "form field")
            return nil
        } catch {
            return error
        }
    }

    /// A 400 page for input the console does not take.
    static func badInput(_ message: String) -> Response {
        html(.badRequest, ConsolePage.message(title: "Request not accepted", text: message + ". Nothing was changed.", action: ("/console", "Back to the console")))
    }

    /// The urlencoded form of a POST (at most 64 KiB).
    static func form(_ request: Request) async -> [String: String] {
        guard let buffer = try? await request.body.collect(upTo: 64 * 1024) else { return [:] }
        return HTML.form(String(buffer: buffer))
    }

    static func html(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func redirect(_ location: String, cookie: Cookie?) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        var response = Response(status: .seeOther, headers: headers)
        if let cookie { response.setCookie(cookie) }
        return response
    }
}
