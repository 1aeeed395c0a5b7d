import CutoverCore
import Yams

extension OpenAPIDocument {
    /// The response headers of a view's `200`, each with the base's header component that
    /// describes it; a header the base does not define is left out.
    static let successHeaders: [(name: String, component: String)] = [
        ("Cutover-Source", "CutoverSource"),
        ("Cutover-Reader-State", "CutoverReaderState"),
        ("Cutover-Projection-Lag", "CutoverProjectionLag"),
        ("Cutover-Replica-Lag", "CutoverReplicaLag"),
        ("ETag", "ETag"),
        ("Cache-Control", "CacheControl"),
    ]

    /// The path item of `view`: its `GET` operation, whose 200 refers to `schema`. Other answers
    /// refer to the base's shared responses (those it defines): `304`, `400`, `401`, `403` (a
    /// territory parameter), `404` (an object view, or a path parameter), `500`, `503`.
    static func pathItem(_ view: ViewDeclaration, schema: Node, base: Node.Mapping) -> Node {
        let components = base.child("components")
        let headers = components.childKeys("headers")
        let shared = components.childKeys("responses")
        var success: [(String, Node?)] = [("description", .prose(successDescription(view)))]
        let headerPairs = successHeaders.filter { headers.contains($0.component) }.map { ($0.name, Node.reference("headers", $0.component)) }
        success.append(("headers", headerPairs.isEmpty ? nil : .object(headerPairs)))
        success.append(("content", .object([("application/json", .object([("schema", schema)]))])))
        success.append(("links", links(view)))

        var hasPathParameter = false
        var hasTerritory = false
        for parameter in view.parameters {
            hasPathParameter = hasPathParameter || parameter.location == .path
            hasTerritory = hasTerritory || parameter.territory
        }
        var isObject = false
        if case .object = view.shape { isObject = true }
        let answers: [(status: String, response: String, applies: Bool)] = [
            ("304", "NotModified", true),
            ("400", "BadRequest", true),
            ("401", "Unauthorized", true),
            ("403", "Forbidden", hasTerritory),
            ("404", "NotFound", isObject || hasPathParameter),
            ("500", "InternalError", true),
            ("503", "Unavailable", true),
        ]
        var responses: [(String, Node?)] = [("200", .object(success))]
        for answer in answers where answer.applies && shared.contains(answer.response) {
            responses.append((answer.status, .reference("responses", answer.response)))
        }
        let operation = Node.object([
            ("tags", .texts([tag(of: view)])),
            ("operationId", .text(operationID(of: view))),
            ("summary", .text(view.summary)),
            ("description", .optionalProse(view.description)),
            ("x-cutover-view", .text(view.name.rawValue)),
            ("x-cutover-flag", .text(view.flag)),
            ("parameters", .list(parameters(of: view, base: base))),
            ("responses", .object(responses)),
        ])
        return .object([("get", operation)])
    }

    /// What the 200 holds.
    static func successDescription(_ view: ViewDeclaration) -> String {
        switch view.shape {
        case .page: "One page of records, in the chosen order."
        case .object: "The record."
        case .collection(let field, _, _): "Every record, under `\(field)`."
        }
    }

    /// A page's link to the next page: the cursor from the body, the territory query parameters
    /// from the request.
    static func links(_ view: ViewDeclaration) -> Node? {
        guard case .page = view.shape else { return nil }
        var parameters: [(String, Node?)] = view.parameters
            .filter { $0.territory && $0.location == .query }
            .map { ($0.name, .text("$request.query.\($0.name)")) }
        parameters.append(("cursor", .text("$response.body#/nextCursor")))
        return .object([
            ("NextPage", .object([
                ("operationId", .text(operationID(of: view))),
                ("description", .prose("The next page, while the body has a `nextCursor`.")),
                ("parameters", .object(parameters)),
            ])),
        ])
    }

    /// The operation's tag: the route's first segment after `/v1` (`/v1/customers/{id}` → `customers`).
    static func tag(of view: ViewDeclaration) -> String {
        view.routeSegments.dropFirst().first.map(String.init) ?? view.name.rawValue
    }

    /// The view's name in camelCase (`customers.list` → `customersList`, `a.b_c` → `aBC`).
    static func operationID(of view: ViewDeclaration) -> String {
        let words = view.name.rawValue.split(whereSeparator: { $0 == "." || $0 == "_" }).map(String.init)
        return (words.first ?? "") + words.dropFirst().map(OpenAPISchemas.capitalized).joined()
    }

    /// The view's name as a type (`customers.list` → `CustomersList`).
    static func typeName(of view: ViewDeclaration) -> String {
        OpenAPISchemas.capitalized(operationID(of: view))
    }
}
