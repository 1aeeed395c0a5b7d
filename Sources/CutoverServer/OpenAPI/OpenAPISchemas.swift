import CutoverCore
import Yams

/// The component schemas generated for the views' responses, named from the view
/// (`CustomersListPage`, `CustomersListItem`, `CustomersDetail`) and, for nested objects and the
/// items of arrays, from the field that holds them (`CustomersDetailProtection`,
/// `CustomersDetailPrimaryContactsItem`). Every generated object has `additionalProperties:
/// false`; a field is `required` when it is always sent (declared `required`, a constant, an
/// `elements` array, an object without `when`), since null values are left out, never sent.
struct OpenAPISchemas {
    /// Names the base document's schemas use.
    private let baseNames: Set<String>
    /// The generated schemas in the order they were named: each view's response schema, then the
    /// schemas it refers to.
    private(set) var schemas: [(name: String, schema: Node)] = []
    /// Which view named each generated schema, for the message of a clash.
    private var owners: [String: String] = [:]

    init(baseNames: Set<String>) {
        self.baseNames = baseNames
    }

    /// The schema of `view`'s 200 response (a reference to a generated component). Throws when a
    /// name it needs is taken by the base or another view.
    mutating func response(of view: ViewDeclaration) throws -> Node {
        let name = OpenAPIDocument.typeName(of: view)
        switch view.shape {
        case .page(let paging):
            let slot = try reserve(name + "Page", for: view)
            let items = try record(name + "Item", fields: view.fields, description: "One record of \(view.name.rawValue).", view: view)
            schemas[slot].schema = Self.objectSchema([
                ("items", .object([("type", .text("array")), ("maxItems", .number(paging.maximumLimit)), ("items", items)])),
                ("nextCursor", .object([
                    ("description", .prose("Pass it back as `cursor` for the next page; absent on the last page.")),
                    ("type", .text("string")), ("minLength", .number(1)),
                ])),
            ], required: ["items"], description: "One page of \(view.name.rawValue).")
        case .object:
            _ = try record(name, fields: view.fields, description: "One record of \(view.name.rawValue).", view: view)
        case .collection(let field, _, let envelope):
            let slot = try reserve(name, for: view)
            let items = try record(name + "Item", fields: view.fields, description: "One record of \(view.name.rawValue).", view: view)
            var properties: [(String, Node)] = []
            var required: [String] = []
            for entry in envelope {
                guard let parameter = view.parameter(entry.parameter) else { continue }
                properties.append((entry.name, OpenAPIDocument.schema(of: parameter, description: "The `\(parameter.name)` parameter.")))
                if parameter.location == .path || parameter.required || parameter.territory || parameter.defaultValue != nil {
                    required.append(entry.name)
                }
            }
            properties.append((field, .object([("type", .text("array")), ("items", items)])))
            required.append(field)
            schemas[slot].schema = Self.objectSchema(properties, required: required, description: "Every record of \(view.name.rawValue).")
        }
        return .reference("schemas", name + (view.shape.isPage ? "Page" : ""))
    }

    /// Names `name` for `view` and keeps its place in the order; the schema is filled in later.
    private mutating func reserve(_ name: String, for view: ViewDeclaration) throws -> Int {
        if baseNames.contains(name) {
            throw CoreError(.invalidView, "\(view.location("view")): view \(view.name.rawValue) needs the OpenAPI schema name \(name), which the engine's base document uses; rename the view or the field",
                            context: ["file": view.file, "view": view.name.rawValue])
        }
        if let other = owners[name] {
            throw CoreError(.invalidView, "\(view.location("view")): view \(view.name.rawValue) needs the OpenAPI schema name \(name), which \(other) uses too; rename a view or a field",
                            context: ["file": view.file, "view": view.name.rawValue])
        }
        owners[name] = view.name.rawValue
        schemas.append((name, Node.object([])))
        return schemas.count - 1
    }

    /// Adds the object schema `name` of `fields` and returns a reference to it.
    private mutating func record(_ name: String, fields: [ViewField], description: String, view: ViewDeclaration) throws -> Node {
        let slot = try reserve(name, for: view)
        var properties: [(String, Node)] = []
        for field in fields {
            properties.append((field.name, try property(field, owner: name, view: view)))
        }
        schemas[slot].schema = Self.objectSchema(properties, required: fields.filter(Self.alwaysSent).map(\.name), description: description)
        return .reference("schemas", name)
    }

    /// The schema of one field of the object `owner`.
    private mutating func property(_ field: ViewField, owner: String, view: ViewDeclaration) throws -> Node {
        let nested = owner + Self.capitalized(field.name)
        switch field.value {
        case .column(_, let kind):
            return Self.scalar(kind, description: field.description)
        case .constant(let value):
            return .object([("description", .optionalProse(field.description)), ("type", .text("string")), ("enum", .texts([value]))],
                           flow: field.description.isEmpty)
        case .object(let fields, _):
            // A reference takes no description beside it (OpenAPI 3.0): the component carries it.
            return try record(nested, fields: fields, description: field.description, view: view)
        case .elements(let elements):
            let items = try union(nested + "Item", elements, view: view)
            return .object([("description", .optionalProse(field.description)), ("type", .text("array")),
                            ("maxItems", .number(elements.count)), ("items", items)])
        case .jsonArray(_, let itemFields):
            let items = itemFields.isEmpty
                ? Node.object([("type", .text("object"))])
                : try record(nested + "Item", fields: itemFields, description: "", view: view)
            return .object([("description", .optionalProse(field.description)), ("type", .text("array")), ("items", items)])
        }
    }

    /// One item schema for the elements of an `elements` array: the union of their fields, a
    /// field that is a constant in every element as an enum of the constants, required when every
    /// element always sends it.
    private mutating func union(_ name: String, _ elements: [ViewField.Element], view: ViewDeclaration) throws -> Node {
        let slot = try reserve(name, for: view)
        var names: [String] = []
        var occurrences: [String: [ViewField]] = [:]
        for element in elements {
            for field in element.fields {
                if occurrences[field.name] == nil { names.append(field.name) }
                occurrences[field.name, default: []].append(field)
            }
        }
        var properties: [(String, Node)] = []
        for fieldName in names {
            let fields = occurrences[fieldName] ?? []
            let constants = fields.compactMap { field -> String? in
                if case .constant(let value) = field.value { return value }
                return nil
            }
            if constants.count == fields.count {
                var unique: [String] = []
                for value in constants where !unique.contains(value) { unique.append(value) }
                let description = fields.first { !$0.description.isEmpty }?.description ?? ""
                properties.append((fieldName, .object([("description", .optionalProse(description)), ("type", .text("string")),
                                                       ("enum", .texts(unique))], flow: description.isEmpty)))
            } else if let first = fields.first(where: { if case .constant = $0.value { false } else { true } }) {
                properties.append((fieldName, try property(first, owner: name, view: view)))
            }
        }
        let required = names.filter { fieldName in
            elements.allSatisfy { element in element.fields.contains { $0.name == fieldName && Self.alwaysSent($0) } }
        }
        schemas[slot].schema = Self.objectSchema(properties, required: required, description: "")
        return .reference("schemas", name)
    }

    /// Whether the response always holds `field`: null values are left out, so only what cannot be null.
    static func alwaysSent(_ field: ViewField) -> Bool {
        switch field.value {
        case .constant, .elements: true
        case .object(_, let when): field.required || when == nil
        case .column, .jsonArray: field.required
        }
    }

    /// A closed object schema (`additionalProperties: false`).
    static func objectSchema(_ properties: [(String, Node)], required: [String], description: String) -> Node {
        .object([
            ("description", .optionalProse(description)),
            ("type", .text("object")),
            ("additionalProperties", .boolean(false)),
            ("required", required.isEmpty ? nil : .texts(required)),
            ("properties", .object(properties.map { ($0.0, $0.1) })),
        ])
    }

    /// How a column of `kind` is sent: numbers, text, exact decimals as text, ISO dates, UTC
    /// timestamps with whole seconds, booleans. On one line unless it has a description.
    static func scalar(_ kind: ViewField.Kind, description: String) -> Node {
        let pairs: [(String, Node?)] = switch kind {
        case .integer: [("type", .text("integer")), ("format", .text("int64"))]
        case .text: [("type", .text("string"))]
        case .decimal: [("type", .text("string")), ("pattern", .text(#"^-?[0-9]+(\.[0-9]+)?$"#))]
        case .date: [("type", .text("string")), ("format", .text("date"))]
        case .timestamp:
            [("type", .text("string")), ("format", .text("date-time")),
             ("pattern", .text(#"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"#))]
        case .boolean: [("type", .text("boolean"))]
        }
        return .object([("description", .optionalProse(description))] + pairs, flow: description.isEmpty)
    }

    /// `name` with its first letter upper-cased (`primaryContacts` → `PrimaryContacts`).
    static func capitalized(_ name: String) -> String {
        name.prefix(1).uppercased() + name.dropFirst()
    }
}

extension ViewDeclaration.Shape {
    /// Whether the response is a page of records.
    var isPage: Bool {
        if case .page = self { return true }
        return false
    }
}
