import CutoverCore
import CutoverPostgres
import Foundation
import PostgresNIO
import Testing

/// SQL readers cannot talk their way past row-level security (issue: `set_config` let a reader
/// choose its own territories and claim MANAGER). Each reader is a login role made by
/// `cutover readers create`, connected with its own password; every break-in yields no extra row.
@Suite("SQL readers bound to who they are", .timeLimit(.minutes(5)))
struct SQLReaderTests {
    struct Reader {
        var role: String
        var target: DatabaseTarget
    }

    func create(_ db: DatabaseTarget, _ arguments: [String]) throws -> Reader {
        let run = try CLITests().cutover(["readers", "create", "--database-url", db.url.urlWithPassword] + arguments)
        try #require(run.status == 0, "\(run.stderr)")
        var fields: [String: String] = [:]
        for line in run.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        let role = try #require(fields["role"]), password = try #require(fields["password"])
        #expect(!run.stderr.contains(password), "the password goes to stdout only")
        var url = db.url
        url.user = role
        url.password = password
        return Reader(role: role, target: DatabaseTarget(url: url, poolSize: 1))
    }

    /// Runs `statements` in order on one connection as `reader`; returns the first column of the
    /// last statement's rows.
    func read(_ reader: Reader, _ statements: String...) async throws -> [String?] {
        try await Database.withConnection(reader.target, logger: TestCluster.logger) { connection in
            var last: [String?] = []
            for sql in statements {
                last = []
                for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestCluster.logger) {
                    last.append(try row.makeRandomAccess()[0].decode(String?.self))
                }
            }
            return last
        }
    }

    func count(_ reader: Reader, _ statements: String...) async throws -> Int {
        let rows = try await Database.withConnection(reader.target, logger: TestCluster.logger) { connection in
            var last = -1
            for (index, sql) in statements.enumerated() {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestCluster.logger)
                for try await row in rows where index == statements.count - 1 {
                    last = try row.makeRandomAccess()[0].decode(Int.self)
                }
            }
            return last
        }
        return rows
    }

    /// The statement fails (permission denied or the like); returns its SQLSTATE.
    func refused(_ reader: Reader, _ sql: String) async -> String? {
        do {
            _ = try await read(reader, sql)
            return nil
        } catch let error as PSQLError {
            return error.serverInfo?[.sqlState] ?? "?"
        } catch {
            return "\(error)"
        }
    }

    static let visible = "SELECT count(*) FROM read.customer_overview"
    static let unmasked = "SELECT count(*) FROM read.customer_overview WHERE NOT contacts_masked"

    @Test("territories come from the grant: settings narrow them, never widen them; SET ROLE, projection tables, engine functions and RESET tricks add nothing")
    func territoriesOnlyNarrow() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let reader = try create(db, ["--module", "03", "--territories", "DE-BY", "--label", "break-in test"])
        let byCount = Int(try #require(try await SQL.scalar(db, "SELECT count(*)::text FROM crm.customers WHERE territory_code = 'DE-BY'"))) ?? -1
        #expect(byCount > 0)

        #expect(try await count(reader, Self.visible) == byCount, "no setting: the granted territory")
        #expect(try await count(reader, "SELECT set_config('cutover.territories', 'DE-BY,DE-BW', false)", Self.visible) == byCount,
                "asking for more territories must not widen")
        #expect(try await count(reader, "SET cutover.territories = 'DE-BW'", Self.visible) == 0, "a territory not granted yields none of its rows")
        #expect(try await count(reader, "SET cutover.territories = 'DE-BY'", Self.visible) == byCount, "narrowing to a granted one works")
        #expect(try await count(reader, "BEGIN", "SET LOCAL cutover.territories = 'DE-BW,DE-BY'", "RESET cutover.territories",
                                Self.visible) == byCount)
        #expect(try await count(reader, "SELECT count(*) FROM read.territory_pipeline WHERE territory_code <> 'DE-BY'") == 0)

        for role in ["cutover_api", "cutover_read_views", "cutover_lead_reader", db.url.user, "postgres"] {
            #expect(await refused(reader, "SET ROLE \(role)") != nil, "SET ROLE \(role) must be refused")
        }
        #expect(await refused(reader, "SET SESSION AUTHORIZATION \(db.url.user)") != nil)
        let table = try #require(try await SQL.scalar(db, "SELECT live_table FROM cutover.projection_checkpoint WHERE projection = 'customer_overview'"))
        #expect(await refused(reader, "SELECT count(*) FROM \(table)") == "42501", "the read tables are not the reader's")
        for engineTable in ["cutover.sql_readers", "cutover.api_tokens", "crm.customers", "crm.lead_assignments"] {
            #expect(await refused(reader, "SELECT count(*) FROM \(engineTable)") == "42501", "\(engineTable) must be refused")
        }
        // The API's read function takes a context as arguments: for a SQL reader they decide nothing.
        #expect(try await count(reader, "SELECT (cutover.api_read('DE-BW', '1', 'MANAGER', 'SELECT to_json(count(*)) FROM read.customer_overview', '{}')::text)::int") == 0)
        #expect(try await count(reader, "SELECT (cutover.api_read('DE-BW,DE-BY', '1', 'MANAGER', 'SELECT to_json(count(*)) FROM read.customer_overview WHERE NOT contacts_masked', '{}')::text)::int")
                == (try await count(reader, "SELECT count(*) FROM read.customer_overview WHERE NOT contacts_masked")))
        #expect(try await read(reader, "SELECT (cutover.reader_context()).territories::text") == ["{DE-BY}"])
        #expect(await refused(reader, "SELECT count(*) FROM cutover.sql_reader_audit") == "42501")
    }

    @Test("lead protection comes from the grant's CRM user and that user's role: claiming MANAGER or another user id shows nothing more")
    func roleAndUserFromTheGrant() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let owner = try #require(try await SQL.scalar(db, """
            SELECT lp.owner_id::text FROM crm.lead_protections lp JOIN crm.customers c ON c.id = lp.customer_id
            WHERE lp.protected_until >= current_date AND c.territory_code = 'DE-BY' GROUP BY lp.owner_id ORDER BY count(*) DESC LIMIT 1
            """))
        let rep = try create(db, ["--module", "02", "--territories", "DE-BY", "--user", owner])
        let anonymous = try create(db, ["--module", "02", "--territories", "DE-BY"])
        let repSees = try await count(rep, Self.unmasked)
        let anonymousSees = try await count(anonymous, Self.unmasked)
        #expect(repSees > anonymousSees, "the owner sees its protected leads' contacts")
        let visible = try await count(anonymous, Self.visible)
        #expect(visible > anonymousSees, "some leads are masked for a reader without a user")

        for claim in ["SET cutover.user_role = 'MANAGER'", "SELECT set_config('cutover.user_id', '\(owner)', false)",
                      "SELECT cutover.api_context('DE-BY', '\(owner)', 'MANAGER')"] {
            #expect(try await count(anonymous, claim, Self.unmasked) == anonymousSees, "\(claim) must not unmask")
        }
        #expect(try await count(rep, "SET cutover.user_id = '999999'", Self.unmasked) == repSees, "the grant's user stays")

        // A manager reader sees every contact; once its CRM user is gone it fails closed.
        let managerID = try #require(try await SQL.scalar(db, """
            INSERT INTO crm.users (name, email, role) VALUES ('Reader Manager', 'reader-manager-\(UUID().uuidString.prefix(8))@example.test', 'MANAGER') RETURNING id::text
            """))
        let manager = try create(db, ["--module", "05", "--territories", "DE-BY", "--user", managerID])
        #expect(try await count(manager, Self.unmasked) == visible, "a MANAGER reader sees every contact")
        try await SQL.exec(db, "DELETE FROM crm.users WHERE id = \(managerID)")
        #expect(try await count(manager, Self.unmasked) == anonymousSees, "a reader whose CRM user was deleted sees no protected contacts")
    }

    @Test("ops readers with * read every territory and may narrow; revoke ends sessions and logins; rotate replaces the password; bad input is refused")
    func lifecycle() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let all = Int(try #require(try await SQL.scalar(db, "SELECT count(*)::text FROM crm.customers"))) ?? -1
        let ops = try create(db, ["--module", "01", "--territories", "*"])
        #expect(try await count(ops, Self.visible) == all)
        #expect(try await count(ops, "SET cutover.territories = 'DE-BW'", Self.visible)
                == Int(try #require(try await SQL.scalar(db, "SELECT count(*)::text FROM crm.customers WHERE territory_code = 'DE-BW'"))) ?? -1)

        let cli = CLITests()
        let url = db.url.urlWithPassword
        let listed = try cli.cutover(["readers", "list", "--format", "json", "--database-url", url])
        #expect(listed.status == 0 && listed.stdout.contains(ops.role) && !listed.stdout.contains(ops.target.url.password ?? "-"))

        let rotated = try cli.cutover(["readers", "rotate", ops.role, "--database-url", url])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(await refused(ops, "SELECT 1") != nil, "the old password stops working")

        // An open session of a revoked reader is ended; a new login is refused.
        let session = try create(db, ["--module", "01", "--territories", "DE-BY"])
        let revoked = try await Database.withConnection(session.target, logger: TestCluster.logger) { connection in
            let run = try cli.cutover(["readers", "revoke", session.role, "--reason", "test", "--database-url", url])
            #expect(run.status == 0, "\(run.stderr)")
            try await Task.sleep(for: .milliseconds(500))  // let the server's termination reach this connection
            do {
                // checkedQuery: a query written to a connection the server just closed is
                // dropped by PostgresNIO and would wait forever; this one fails when it closes.
                _ = try await connection.checkedQuery("SELECT count(*) FROM read.customer_overview", logger: TestCluster.logger,
                                                      doing: "read after revoke").collect()
                return false
            } catch {
                return true
            }
        }
        #expect(revoked, "the revoked reader's open session still answered")
        #expect(await refused(session, "SELECT 1") != nil, "a revoked reader can no longer log in")
        let again = try cli.cutover(["readers", "revoke", session.role, "--database-url", url])
        #expect(again.status == 64 && again.stderr.contains("revoked already"), "\(again.stderr)")
        #expect(try await SQL.column(db, "SELECT action FROM cutover.sql_reader_audit WHERE role_name = '\(session.role)' ORDER BY id") == ["create", "revoke"])

        for (arguments, message) in [(["--module", "03", "--territories", "XX-YY"], "unknown territory XX-YY"),
                                     (["--module", "03", "--territories", "DE-BY", "--user", "999999"], "no user with id or e-mail 999999"),
                                     (["--module", "09", "--territories", "DE-BY"], "--module"),
                                     (["--module", "03", "--territories", "DE-BY", "--name", "Robert'); DROP"], "--name")] {
            let run = try cli.cutover(["readers", "create", "--database-url", url] + arguments)
            #expect(run.status == 64 && run.stderr.contains(message), "\(arguments): \(run.status) \(run.stderr)")
        }
        let unknown = try cli.cutover(["readers", "revoke", "cutover_m01_nobody", "--database-url", url])
        #expect(unknown.status == 64 && unknown.stderr.contains("no SQL reader"), "\(unknown.stderr)")
    }
}
