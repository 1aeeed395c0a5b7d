import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Logging
import PostgresNIO
import Testing

@Suite("Projector against PostgreSQL", .timeLimit(.minutes(5)))
struct ProjectorTests {
    let logger = TestCluster.logger

    /// On WAL capture (the default) and on the trigger fallback (V008, what V009's rollback restores).
    @Test("every kind of source change updates exactly the right rows, including fan-out and deletes",
          arguments: [TestCluster.Capture.wal, .triggers])
    func projectsEveryKindOfChange(capture: TestCluster.Capture) async throws {
        let db = try await TestCluster.shared.seededDatabase(capture: capture)
        try await SQL.readAllTerritories(db)
        try await ProjectorHarness.withProjector(db) {
            try await ProjectorHarness.waitUntilCaughtUp(db)
            #expect(try await ProjectorHarness.drift(db).isEmpty)
            let customers = try await SQL.scalar(db, "SELECT count(*)::text FROM crm.customers")
            #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM read.customer_overview") == customers)

            // A new customer with a contact and an order.
            try await SQL.exec(db, """
                WITH c AS (INSERT INTO crm.customers (name, segment, status, territory_code, owner_id, city)
                           SELECT 'Gasthaus Zum Test', 'RESTAURANT', 'ACTIVE', 'DE-BY', min(user_id), 'München' FROM crm.user_territories WHERE territory_code = 'DE-BY' RETURNING id),
                     k AS (INSERT INTO crm.contacts (customer_id, role, first_name, last_name, is_primary) SELECT id, 'CHEF', 'Toni', 'Test', true FROM c)
                INSERT INTO crm.orders (customer_id, ordered_at, net_amount, item_count) SELECT id, '2026-10-01', 1234.50, 3 FROM c
                """)
            try await ProjectorHarness.waitUntilCaughtUp(db)
            #expect(try await SQL.scalar(db, "SELECT revenue::numeric(14,2)::text FROM read.customer_overview WHERE name = 'Gasthaus Zum Test'") == "1234.50")

            // Renaming a sales rep reaches every customer that shows the rep.
            let rep = try #require(try await SQL.scalar(db, "SELECT owner_id::text FROM crm.customers WHERE owner_id IS NOT NULL ORDER BY id LIMIT 1"))
            try await SQL.exec(db, "UPDATE crm.users SET name = 'Renamed Rep' WHERE id = \(rep)")
            try await ProjectorHarness.waitUntilCaughtUp(db)
            let owned = try await SQL.scalar(db, "SELECT count(*)::text FROM crm.customers WHERE owner_id = \(rep)")
            #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM read.customer_overview WHERE owner_name = 'Renamed Rep'") == owned)

            // Moving a contact recomputes both customers; deleting a customer removes its row.
            try await SQL.exec(db, """
                UPDATE crm.contacts SET customer_id = (SELECT max(id) FROM crm.customers), is_primary = false
                WHERE id = (SELECT min(id) FROM crm.contacts)
                """)
            let victim = try #require(try await SQL.scalar(db, "SELECT min(id)::text FROM crm.customers"))
            try await SQL.exec(db, "DELETE FROM crm.customers WHERE id = \(victim)")
            try await SQL.exec(db, "INSERT INTO crm.lead_protections (customer_id, owner_id, protected_until) SELECT c.id, c.owner_id, '2027-01-31' FROM crm.customers c WHERE c.status = 'LEAD' AND c.owner_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM crm.lead_protections p WHERE p.customer_id = c.id) ORDER BY c.id LIMIT 3")
            try await SQL.exec(db, "UPDATE crm.samples SET followed_up_at = sent_at + 3 WHERE id IN (SELECT id FROM crm.samples WHERE followed_up_at IS NULL ORDER BY id LIMIT 5)")
            try await ProjectorHarness.waitUntilCaughtUp(db)
            #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM read.customer_overview WHERE customer_id = \(victim)") == "0")
            #expect(try await ProjectorHarness.drift(db).isEmpty)
            // Processed rows are pruned.
            try await Task.sleep(for: .seconds(1))
            #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.change_log") == "0")
        }
    }

    @Test("a transaction that commits after a later one is still projected, and a long open writer does not block others")
    func outOfOrderCommitsAndLongTransactions() async throws {
        let db = try await TestCluster.shared.seededDatabase(capture: .wal)
        try await SQL.readAllTerritories(db)
        try await ProjectorHarness.withProjector(db) {
            try await ProjectorHarness.waitUntilCaughtUp(db)
            let ids = try await SQL.column(db, "SELECT id::text FROM crm.customers ORDER BY id LIMIT 2").compactMap { $0 }
            let slow = try await Database.connect(db, logger: logger)
            do {
                // The slow writer starts first, so its change-log row has the lower id …
                try await slow.query("BEGIN", logger: logger)
                try await slow.query(PostgresQuery(unsafeSQL: "UPDATE crm.customers SET name = 'Committed Late' WHERE id = \(ids[0])"), logger: logger)
                // … while a later writer commits first and is projected although the slow one is still open.
                try await SQL.exec(db, "UPDATE crm.customers SET name = 'Committed Early' WHERE id = \(ids[1])")
                try await waitFor(db, "SELECT name FROM read.customer_overview WHERE customer_id = \(ids[1])", equals: "Committed Early")
                try await Task.sleep(for: .milliseconds(400))  // several polls happen meanwhile
                try await slow.query("COMMIT", logger: logger)
                try await waitFor(db, "SELECT name FROM read.customer_overview WHERE customer_id = \(ids[0])", equals: "Committed Late")
                try await slow.close()
            } catch {
                try? await slow.close()
                throw error
            }
            try await ProjectorHarness.waitUntilCaughtUp(db)
            #expect(try await ProjectorHarness.drift(db).isEmpty)
        }
    }

    @Test("a poison key is dead-lettered while other keys continue; retry fixes it once the data is fixed")
    func poisonKey() async throws {
        let db = try await TestCluster.shared.seededDatabase(capture: .wal)
        let folder = NSTemporaryDirectory() + "cutover-poison-\(UUID().uuidString)/poison_probe"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
            name: poison_probe
            version: 1
            key: {column: customer_id, type: bigint, all: SELECT id FROM crm.customers}
            sources:
              - {table: crm.customers, column: id}
            """.write(toFile: folder + "/projection.yaml", atomically: true, encoding: .utf8)
        try "CREATE TABLE {{table}} (customer_id bigint PRIMARY KEY, name text NOT NULL, check_value int NOT NULL); ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY"
            .write(toFile: folder + "/table.sql", atomically: true, encoding: .utf8)
        try "SELECT c.id, c.name, 1 / (CASE WHEN c.name = 'POISON' THEN 0 ELSE 1 END) FROM crm.customers c WHERE c.id = ANY($1)"
            .write(toFile: folder + "/recompute.sql", atomically: true, encoding: .utf8)
        let probe = try ProjectionLoader.loadOne(folder: folder)
        try await ProjectorHarness.withProjector(db, projections: [probe]) {
            try await ProjectorHarness.waitUntilCaughtUp(db, projections: [probe])
            let ids = try await SQL.column(db, "SELECT id::text FROM crm.customers ORDER BY id LIMIT 3").compactMap { $0 }
            try await SQL.exec(db, "UPDATE crm.customers SET name = 'POISON' WHERE id = \(ids[0])",
                               "UPDATE crm.customers SET name = 'Healthy' WHERE id IN (\(ids[1]), \(ids[2]))")
            try await waitFor(db, "SELECT count(*)::text FROM projection.poison_probe_v1 WHERE name = 'Healthy'", equals: "2")
            try await ProjectorHarness.waitUntilCaughtUp(db, projections: [probe])
            let letters = try await ProjectorAdmin(target: db, logger: logger).deadLetters(projection: "poison_probe")
            #expect(letters.map(\.key) == [ids[0]])
            #expect(letters.first?.error.contains("division by zero") == true)
            // Still failing: retry reports it.
            #expect(try await ProjectorAdmin(target: db, logger: logger).retry([probe]).failing == 1)
            // Cured behind capture's back (a bulk-load session), so only the retry can fix the row.
            try await Database.withConnection(db, logger: logger) { c in
                #expect(await BulkLoadOrigin.mark(c, logger: logger))
                try await c.query(PostgresQuery(unsafeSQL: "UPDATE crm.customers SET name = 'Cured' WHERE id = \(ids[0])"), logger: logger)
                await BulkLoadOrigin.unmark(c, logger: logger)
            }
            let result = try await ProjectorAdmin(target: db, logger: logger).retry([probe])
            #expect(result.fixed == 1 && result.failing == 0)
            #expect(try await SQL.scalar(db, "SELECT name FROM projection.poison_probe_v1 WHERE customer_id = \(ids[0])") == "Cured")
            #expect(try await ProjectorAdmin(target: db, logger: logger).deadLetters().isEmpty)
        }
    }

    @Test("malformed projection folders give clear errors naming folder and file")
    func malformedFolders() throws {
        let root = NSTemporaryDirectory() + "cutover-badproj-\(UUID().uuidString)"
        func folder(_ name: String, yaml: String?, table: String? = "CREATE TABLE {{table}} (id bigint PRIMARY KEY); ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY",
                    recompute: String? = "SELECT id FROM crm.customers WHERE id = ANY($1)") throws -> String {
            let dir = root + "/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if let yaml { try yaml.write(toFile: dir + "/projection.yaml", atomically: true, encoding: .utf8) }
            if let table { try table.write(toFile: dir + "/table.sql", atomically: true, encoding: .utf8) }
            if let recompute { try recompute.write(toFile: dir + "/recompute.sql", atomically: true, encoding: .utf8) }
            return dir
        }
        let good = "name: NAME\nversion: 1\nkey: {column: id, type: bigint, all: SELECT id FROM crm.customers}\nsources:\n  - {table: crm.customers, column: id}\n"
        func message(_ dir: String) -> String {
            do { _ = try ProjectionLoader.loadOne(folder: dir); return "" } catch { return "\(error)" }
        }
        // Errors name the folder as configured (here a temporary one), not a fixed projections/.
        #expect(message(try folder("no_yaml", yaml: nil)).contains("\(root)/no_yaml/projection.yaml"))
        #expect(message(try folder("no_recompute", yaml: good.replacingOccurrences(of: "NAME", with: "no_recompute"), recompute: nil)).contains("recompute.sql"))
        #expect(message(try folder("typo", yaml: good.replacingOccurrences(of: "NAME", with: "typo") + "sourcez: []\n")).contains("unknown key sourcez"))
        #expect(message(try folder("wrong_name", yaml: good.replacingOccurrences(of: "NAME", with: "other"))).contains("must equal the folder name"))
        #expect(message(try folder("bad_type", yaml: good.replacingOccurrences(of: "NAME", with: "bad_type").replacingOccurrences(of: "bigint", with: "uuid"))).contains("key.type"))
        #expect(message(try folder("bad_yaml", yaml: "name: [unclosed")).contains("not valid YAML"))
        // A misspelled source table loads (any schema of the target database may hold a source);
        // ProjectionCatalogTests show the database check that refuses it.
        let typo = try folder("unknown_table", yaml: good.replacingOccurrences(of: "NAME", with: "unknown_table").replacingOccurrences(of: "crm.customers, column", with: "crm.custmers, column"))
        #expect(message(typo).isEmpty)
    }

    @Test("migrations/ holds the application only: no engine table, function, sequence or role, and no capture")
    func migrationsHoldNoEngine() throws {
        let root = TestCluster.migrationsDirectory
        let files = try #require(FileManager.default.subpaths(atPath: root)).filter { $0.hasSuffix(".sql") }
        #expect(files.count > 5)
        let engineObject = try Regex(#"(?i)(CREATE|ALTER|DROP)\s+(OR\s+REPLACE\s+)?(UNLOGGED\s+)?(TABLE|FUNCTION|SEQUENCE|VIEW|PUBLICATION|TRIGGER)\s+(IF\s+(NOT\s+)?EXISTS\s+)?(cutover\.|cutover_)"#)
        for file in files {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            let code = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: "\n")
            #expect(code.firstMatch(of: engineObject) == nil, "\(file) creates or changes an engine object")
            #expect(!code.contains("REPLICA IDENTITY"), "\(file) sets up capture")
            for role in ["cutover_reader", "cutover_api", "cutover_read_views"] {
                #expect(!code.contains("CREATE ROLE \(role) "), "\(file) creates the engine's role \(role)")
            }
        }
    }

    /// Polls until `sql` gives `expected` (60 s at most: on WAL capture a change travels through the
    /// relay, and the test cluster's walsenders share two cores with the whole suite).
    func waitFor(_ db: DatabaseTarget, _ sql: String, equals expected: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last: String?
        while ContinuousClock.now < deadline {
            last = try await SQL.scalar(db, sql)
            if last == expected { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(sql) gave \(last ?? "nil"), expected \(expected)")
    }
}

@Suite("Projector refuses broken projections", .timeLimit(.minutes(5)))
struct ProjectorRefusalTests {
    @Test("a recompute that does not fit its table stops the projector with an error naming recompute.sql")
    func wrongShape() async throws {
        let db = try await TestCluster.shared.seededDatabase(capture: .wal)
        let folder = NSTemporaryDirectory() + "cutover-shape-\(UUID().uuidString)/bad_shape"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "name: bad_shape\nversion: 1\nkey: {column: customer_id, type: bigint, all: SELECT id FROM crm.customers}\nsources:\n  - {table: crm.customers, column: id}\n"
            .write(toFile: folder + "/projection.yaml", atomically: true, encoding: .utf8)
        try "CREATE TABLE {{table}} (customer_id bigint PRIMARY KEY, name text); ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY".write(toFile: folder + "/table.sql", atomically: true, encoding: .utf8)
        try "SELECT c.id, c.name, c.city FROM crm.customers c WHERE c.id = ANY($1)".write(toFile: folder + "/recompute.sql", atomically: true, encoding: .utf8)
        let bad = try ProjectionLoader.loadOne(folder: folder)
        let service = ProjectorService(projections: [bad], target: db, settings: ProjectorHarness.fastSettings, logger: TestCluster.logger)
        await #expect {
            try await service.run()
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.code == .invalidProjection && e.message.contains("projections/bad_shape/recompute.sql")
        }
    }
}
