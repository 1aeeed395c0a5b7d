import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

extension APIScenario {
    /// The context functions as they were before SQL readers were bound to their logins: the
    /// settings alone, trusted from every session. Installed for a while on the bench's own
    /// cluster so both policies are measured in one run, then the real definitions are restored.
    static let settingsOnlyContext = [
        """
        CREATE OR REPLACE FUNCTION cutover.reader_territories() RETURNS text[] LANGUAGE sql STABLE AS $$
            SELECT coalesce(string_to_array(nullif(current_setting('cutover.territories', true), ''), ','), '{}'::text[]) $$
        """,
        """
        CREATE OR REPLACE FUNCTION cutover.reader_user_id() RETURNS bigint LANGUAGE sql STABLE AS $$
            SELECT nullif(current_setting('cutover.user_id', true), '')::bigint $$
        """,
        """
        CREATE OR REPLACE FUNCTION cutover.reader_is_manager() RETURNS boolean LANGUAGE sql STABLE AS $$
            SELECT coalesce(current_setting('cutover.user_role', true) = 'MANAGER', false) $$
        """,
    ]
    static let contextFunctions = ["cutover.reader_territories()", "cutover.reader_user_id()", "cutover.reader_is_manager()"]

    /// p95 of list and detail reads through the API's one statement with the login-bound context
    /// against the settings-only context of before (same run, alternating blocks), and a SQL
    /// reader's list read through its own login against the bare statement.
    func rlsCost(token: String, territories: [String], maxID: Int) async throws -> [BenchFigure] {
        context.progress("api: row-level security cost, login-bound context against settings-only, and a SQL reader")
        let logger = context.logger
        let table = context.projections.first { $0.name == "customer_overview" }!.table
        return try await Database.withClient(context.db, logger: logger) { client in
            guard let caller = try await TokenRepository(logger: logger).resolve(on: client, token: token) else { return [] }
            let reader = ViewReader(logger: logger)
            let listView = try context.view("customers.list"), detailView = try context.view("customers.detail")
            let saved = try await client.withConnection { connection in
                var definitions: [String] = []
                for function in Self.contextFunctions {
                    for try await text in try await connection.query("SELECT pg_get_functiondef(\(function)::regprocedure)", logger: logger)
                        .decode(String.self) { definitions.append(text) }
                }
                return definitions
            }
            var list: [Bool: [Double]] = [:], detail: [Bool: [Double]] = [:]
            do {
                for block in 0..<4 {
                    let bound = block % 2 == 0
                    try await client.withConnection { connection in
                        for sql in bound ? saved : Self.settingsOnlyContext { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                    }
                    for i in 0..<500 {
                        let territory = territories[i % territories.count]
                        let id = Int64(1 + (i * 7919) % maxID)
                        let listStatement = try BenchContext.statement(listView, ["territory": territory], order: "revenue")
                        let detailStatement = try BenchContext.statement(detailView, ["id": "\(id)"])
                        list[bound, default: []].append(try await Self.milliseconds {
                            _ = try await client.withConnection { try await reader.readModel(on: $0, as: caller, listStatement) }
                        })
                        detail[bound, default: []].append(try await Self.milliseconds {
                            _ = try await client.withConnection { try await reader.readModel(on: $0, as: caller, detailStatement) }
                        })
                    }
                }
            } catch {
                try await client.withConnection { connection in
                    for sql in saved { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                }
                throw error
            }
            try await client.withConnection { connection in
                for sql in saved { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
            }
            let sqlReader = try await sqlReaderCost(client: client, table: table, territories: territories)
            func p95(_ values: [Double]) -> Double { Self.percentile(values, 0.95) }
            let (listNew, listOld) = (p95(list[true] ?? []), p95(list[false] ?? []))
            let (detailNew, detailOld) = (p95(detail[true] ?? []), p95(detail[false] ?? []))
            return [
                BenchFigure(scenario: "api", figure: "RLS cost: list p95 with the login-bound context (anchor: settings-only context of before)",
                            cutover: listNew, anchor: listOld, unit: "ms", target: "≤ +0.3 ms", higherIsBetter: false,
                            notes: String(format: "%+.3f ms; p50 %.3f vs %.3f ms; 1,000 reads each, alternating blocks", listNew - listOld,
                                          Self.percentile(list[true] ?? [], 0.5), Self.percentile(list[false] ?? [], 0.5))),
                BenchFigure(scenario: "api", figure: "RLS cost: detail p95 with the login-bound context (anchor: settings-only context of before)",
                            cutover: detailNew, anchor: detailOld, unit: "ms", target: "≤ +0.3 ms", higherIsBetter: false,
                            notes: String(format: "%+.3f ms; p50 %.3f vs %.3f ms", detailNew - detailOld,
                                          Self.percentile(detail[true] ?? [], 0.5), Self.percentile(detail[false] ?? [], 0.5))),
            ] + sqlReader
        }
    }

    /// A SQL reader (a login made like `cutover readers create`, every territory) reading a
    /// territory's top 51 through the view, against the bare statement on the table; revoked after.
    func sqlReaderCost(client: PostgresClient, table: String, territories: [String]) async throws -> [BenchFigure] {
        let logger = context.logger
        let repository = SQLReaderRepository(logger: logger)
        let credentials = try await client.withConnection { connection in
            try await repository.create(on: connection, role: nil, module: "02", territories: ["*"], user: nil, label: "bench")
        }
        var url = context.db.url
        url.user = credentials.role
        url.password = credentials.password
        let columns = """
            customer_id, name, segment, status, territory_code, city, owner_id, owner_name, order_count::int8, revenue::text AS revenue_text,
            last_order_at::text, chef_name, buyer_name, gf_name
            """
        var viaLogin: [Double] = [], bare: [Double] = []
        do {
            try await Database.withConnection(DatabaseTarget(url: url, poolSize: 1), logger: logger) { readerConnection in
                for i in 0..<1_000 {
                    let territory = territories[i % territories.count]
                    viaLogin.append(try await Self.milliseconds {
                        _ = try await readerConnection.query(PostgresQuery(unsafeSQL: """
                            SELECT \(columns), contacts_masked FROM read.customer_overview
                            WHERE territory_code = '\(territory)' ORDER BY revenue DESC, customer_id LIMIT 51
                            """), logger: logger).collect()
                    })
                    bare.append(try await Self.milliseconds {
                        _ = try await client.withConnection { connection in
                            try await connection.query(PostgresQuery(unsafeSQL: """
                                SELECT \(columns), false AS contacts_masked FROM \(table)
                                WHERE territory_code = '\(territory)' ORDER BY revenue DESC, customer_id LIMIT 51
                                """), logger: logger).collect()
                        }
                    })
                }
            }
        } catch {
            try? await client.withConnection { try await repository.revoke(on: $0, role: credentials.role, reason: "bench ended") }
            throw error
        }
        try await client.withConnection { try await repository.revoke(on: $0, role: credentials.role, reason: "bench done") }
        let (reader, anchor) = (Self.percentile(viaLogin, 0.95), Self.percentile(bare, 0.95))
        return [BenchFigure(scenario: "api", figure: "SQL reader list p95 through its own login (anchor: bare statement on the table)",
                            cutover: reader, anchor: anchor, unit: "ms", target: "report", higherIsBetter: false,
                            notes: String(format: "%+.3f ms: grant lookup, policy and masking view", reader - anchor))]
    }

    static func milliseconds(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return (ContinuousClock.now - start) / .milliseconds(1)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}
