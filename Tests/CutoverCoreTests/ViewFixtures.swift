import CutoverCore

/// Declarations built in code for the core tests (the YAML loader is tested with the repository's files).
enum ViewFixtures {
    static func sql(_ text: String) -> ViewSQL { try! ViewSQL(parsing: text) }

    static let list = ViewDeclaration(
        name: APIView("customers.list"), projection: "customer_overview", file: "customers.list.yaml", route: "/v1/customers",
        summary: "list", flag: "customer_reads", context: [.territories, .user, .role],
        parameters: [
            ViewParameter(name: "territory", kind: .text, territory: true, filter: sql("territory_code = :territory")),
            ViewParameter(name: "segment", kind: .text, allowed: ["HOTEL", "KANTINE"], filter: sql("segment = :segment")),
            ViewParameter(name: "owner", kind: .integer, minimum: 1, filter: sql("owner_id = :owner")),
        ],
        shape: .page(ViewPaging(orders: [
            .init(name: "id", keys: [ViewSortKey(column: "customer_id", type: .integer)]),
            .init(name: "revenue", keys: [ViewSortKey(column: "revenue", descending: true, type: .decimal), ViewSortKey(column: "customer_id", type: .integer)]),
        ])),
        fields: [
            ViewField(name: "id", value: .column("customer_id", .integer), required: true),
            ViewField(name: "revenue", value: .column("revenue", .decimal), required: true),
            ViewField(name: "lastOrderAt", value: .column("last_order_at", .date)),
        ],
        identity: ["id"],
        readModelSQL: sql("SELECT customer_id, revenue, last_order_at, territory_code, segment, owner_id FROM read.customer_overview"),
        legacySQL: sql("SELECT c.id AS customer_id, 0::numeric AS revenue, NULL::date AS last_order_at FROM crm.customers c WHERE c.territory_code = :territory"))

    static let detail = ViewDeclaration(
        name: APIView("customers.detail"), projection: "customer_overview", file: "customers.detail.yaml", route: "/v1/customers/{id}",
        summary: "detail", flag: "customer_reads", context: [.territories],
        parameters: [ViewParameter(name: "id", location: .path, kind: .integer, required: true, minimum: 1, filter: sql("customer_id = :id"))],
        shape: .object(notFound: "no customer {id}"),
        fields: [
            ViewField(name: "id", value: .column("customer_id", .integer), required: true),
            ViewField(name: "protection", value: .object(fields: [ViewField(name: "until", value: .column("protected_until", .date))], when: "protection_owner_id")),
            ViewField(name: "contacts", value: .elements([
                .init(when: "chef_id", fields: [ViewField(name: "role", value: .constant("CHEF")), ViewField(name: "id", value: .column("chef_id", .integer))]),
            ])),
            ViewField(name: "at", value: .column("last_activity_at", .timestamp)),
        ],
        identity: ["id"],
        readModelSQL: sql("SELECT * FROM read.customer_overview"),
        legacySQL: sql("SELECT * FROM crm.customers"))
}
