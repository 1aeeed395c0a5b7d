/// A field of a view's records: a column of the view's SQL in one of the JSON types, a constant,
/// a nested object (absent when its `when` column is null) or an array. A null value is left out
/// of the response, as everywhere in the API.
public struct ViewField: Sendable, Equatable {
    public indirect enum Value: Sendable, Equatable {
        /// A column of the view's SQL rendered as `type`.
        case column(String, ViewField.Kind)
        /// The same text in every record (`role: CHEF` in an array's element).
        case constant(String)
        /// An object of `fields`; absent when `when` (a column) is null.
        case object(fields: [ViewField], when: String?)
        /// An array of fixed elements, each an object present unless its `when` column is null
        /// (a customer's primary contacts from its CHEF, BUYER and GF columns).
        case elements([Element])
        /// A `json` column holding an array already (`items` describes one element for OpenAPI).
        case jsonArray(String, items: [ViewField])
    }

    /// One element of ``Value/elements``.
    public struct Element: Sendable, Equatable {
        public var when: String?
        public var fields: [ViewField]

        public init(when: String?, fields: [ViewField]) {
            self.when = when
            self.fields = fields
        }
    }

    /// JSON renderings of a column: numbers, text, decimals as exact text (`"1234.50"`), ISO dates,
    /// ISO timestamps in UTC with whole seconds (`2026-03-31T12:00:00Z`), booleans.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case integer, text, decimal, date, timestamp, boolean
    }

    /// camelCase JSON name.
    public var name: String
    public var value: Value
    public var description: String
    /// Never absent (OpenAPI `required`); a nullable column may still leave it out.
    public var required: Bool

    public init(name: String, value: Value, description: String = "", required: Bool = false) {
        self.name = name
        self.value = value
        self.description = description
        self.required = required
    }
}
