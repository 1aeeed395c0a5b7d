import CutoverCore
import CutoverPostgres
import CutoverServer
import Foundation
import HummingbirdTesting
import Testing

/// Every view is a declaration served by one generic path: both paths answer alike for every
/// declared view, the shadow comparison works on any of them, and a broken declaration is
/// refused with its file and line by `projections validate` and by `serve`.
@Suite("Declared views", .timeLimit(.minutes(5)))
struct DeclaredViewsTests {
    /// A sales rep of DE-BY who owns lead protections there (sees some contacts others do not).
    static func rep(_ db: DatabaseTarget) async throws -> (id: String, email: String) {
        let row = try #require(try await SQL.scalar(db, """
            SELECT u.id || ' ' || u.email FROM crm.users u JOIN crm.lead_protections lp ON lp.owner_id = u.id
            JOIN crm.customers c ON c.id = lp.customer_id
            WHERE c.territory_code = 'DE-BY' AND u.role = 'SALES_REP' GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1
            """))
        let parts = row.split(separator: " ").map(String.init)
        return (parts[0], parts[1])
    }

    @Test("legacy SQL and read model answer byte for byte alike, page by page, for every declared view and for a rep, a manager and a token without user")
    func bothPathsAlike() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let rep = try await Self.rep(db)
        let manager = try #require(try await SQL.scalar(db, "SELECT email FROM crm.users WHERE role = 'MANAGER' ORDER BY id LIMIT 1"))
        let tokens = [
            "rep": try await APIHarness.token(db, module: "03", territories: ["DE-BY", "DE-BW"], user: rep.email),
            "manager": try await APIHarness.token(db, module: "05", territories: ["DE-BY"], user: manager),
            "no user": try await APIHarness.token(db, module: "02", territories: ["DE-BY"]),
        ]
        let ids = try await SQL.column(db, "SELECT id::text FROM crm.customers WHERE territory_code = 'DE-BY' ORDER BY id LIMIT 15").compactMap { $0 }
        let pages = [
            "/v1/contacts?territory=DE-BY&limit=40", "/v1/contacts?territory=DE-BY&role=CHEF&limit=25",
            "/v1/visits/due?territory=DE-BY&owner=\(rep.id)&limit=20", "/v1/visits/due?territory=DE-BY&owner=\(rep.id)&days=365&limit=10",
            "/v1/customers?territory=DE-BY&limit=30", "/v1/customers?territory=DE-BY&sort=revenue&segment=HOTEL&limit=10",
            "/v1/samples/followups?territory=DE-BY&limit=25",
        ]
        let singles = ["/v1/territories/DE-BY/pipeline", "/v1/customers/999999999"] + ids.map { "/v1/customers/\($0)" }
        let views = Set(try ProjectorHarness.views.map(\.route))
        #expect(views == ["/v1/contacts", "/v1/customers", "/v1/customers/{id}", "/v1/samples/followups", "/v1/territories/{code}/pipeline", "/v1/visits/due"])
        try await APIHarness.withAPI(db, source: .legacy) { legacy in
            try await APIHarness.withAPI(db, source: .readModel) { model in
                for (who, token) in tokens {
                    for first in pages {
                        var uri: String? = first
                        var walked = 0
                        while let current = uri, walked < 3 {
                            let a = try await APIHarness.get(legacy, current, token: token)
                            let b = try await APIHarness.get(model, current, token: token)
                            #expect(a.status == .ok && b.status == .ok, "\(who) \(current): \(a.status) \(b.status) \(b.body.prefix(300))")
                            #expect(a.body == b.body, "\(who) \(current):\nlegacy     \(a.body.prefix(600))\nread model \(b.body.prefix(600))")
                            #expect(a.headers[APIHeaders.source] == "legacy" && b.headers[APIHeaders.source] == "read-model")
                            let next = try APIHarness.json(b.body)["nextCursor"] as? String
                            uri = next.map { first + "&cursor=" + $0 }
                            walked += 1
                        }
                    }
                    for single in singles {
                        let a = try await APIHarness.get(legacy, single, token: token)
                        let b = try await APIHarness.get(model, single, token: token)
                        #expect(a.status == b.status && (a.status != .ok || a.body == b.body), "\(who) \(single): \(a.status) \(b.status)")
                    }
                }
                // Masking is the caller's: the rep sees contacts of own protected leads that a token without user does not.
                let mine = try await APIHarness.get(model, "/v1/contacts?territory=DE-BY&limit=200", token: tokens["rep"]!).body
                let nobody = try await APIHarness.get(model, "/v1/contacts?territory=DE-BY&limit=200", token: tokens["no user"]!).body
                #expect(mine.components(separatedBy: #""contactsMasked":true"#).count <= nobody.components(separatedBy: #""contactsMasked":true"#).count)
            }
        }
    }

    @Test("shadow mode compares a new view generically: clean, then a tampered read-model row is recorded with its key and field")
    func shadowOnNewView() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        try await Database.withConnection(db, logger: TestCluster.logger) { c in
            _ = try await FlagStore(logger: TestCluster.logger).set(on: c, name: "contact_reads", change: FlagChange(variant: "shadow", module: "03"),
                                                                   actor: "tester", reason: "compare module 03")
        }
        let token = try await APIHarness.token(db, module: "03", territories: ["DE-BW"])
        let table = try #require(try await SQL.scalar(db, "SELECT live_table FROM cutover.projection_checkpoint WHERE projection = 'contact_directory'"))
        let id = try #require(try await SQL.scalar(db, "SELECT min(contact_id)::text FROM \(table) WHERE territory_code = 'DE-BW' AND NOT contact_name IS NULL"))
        try await APIHarness.withAPI(db, source: nil) { client in
            let clean = try await APIHarness.get(client, "/v1/contacts?limit=20", token: token)
            #expect(clean.status == .ok && clean.headers[APIHeaders.source] == "legacy" && clean.headers[APIHeaders.readerState] == "shadow")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.shadow_mismatches") == "0")
            try await SQL.exec(db, "UPDATE \(table) SET contact_phone = '+49 0 tampered' WHERE contact_id = \(id)")
            let served = try await APIHarness.get(client, "/v1/contacts?limit=20", token: token)
            #expect(served.status == .ok && !served.body.contains("tampered"))
            var row: String?
            for _ in 0..<100 where row == nil {
                try await Task.sleep(for: .milliseconds(50))
                row = try await SQL.scalar(db, "SELECT flag || '|' || view || '|' || module || '|' || key || '|' || array_to_string(fields, ',') FROM cutover.shadow_mismatches")
            }
            #expect(row == "contact_reads|contacts.list|03|items[id=\(id)]|phone")
        }
    }

    @Test("bad input to the new views: every wrong parameter is a 400 naming it")
    func badInput() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let token = try await APIHarness.token(db, territories: ["DE-BY", "DE-BW"])
        try await APIHarness.withAPI(db) { client in
            for (uri, parameter) in [("/v1/contacts", "territory"), ("/v1/contacts?territory=DE-BY&role=COOK", "role"),
                                     ("/v1/contacts?territory=DE-BY&rolle=CHEF", "rolle"), ("/v1/contacts?territory=DE-BY&cursor=abc", "cursor"),
                                     ("/v1/contacts?territory=DE-BY&role=CHEF&role=GF", "role"), ("/v1/contacts?territory=DE-BY&sort=id", "sort"),
                                     ("/v1/visits/due?territory=DE-BY", "owner"), ("/v1/visits/due?territory=DE-BY&owner=abc", "owner"),
                                     ("/v1/visits/due?territory=DE-BY&owner=4&days=0", "days"), ("/v1/visits/due?territory=DE-BY&owner=4&days=366", "days"),
                                     ("/v1/visits/due?territory=DE-BY&owner=4&days=07", "days")] {
                let response = try await APIHarness.get(client, uri, token: token)
                #expect(response.status == .badRequest, "\(uri): \(response.status) \(response.body)")
                #expect(try APIHarness.json(response.body)["parameter"] as? String == parameter, "\(uri): \(response.body)")
            }
            #expect(try await APIHarness.get(client, "/v1/contacts?territory=DE-NW", token: token).status == .forbidden)
        }
    }

    /// A copy of the repository's projections with `edit` applied to one view's declaration.
    static func projections(editing file: String, _ edit: (String) -> String) throws -> String {
        let root = NSTemporaryDirectory() + "cutover-views-\(UUID().uuidString.prefix(8))"
        try FileManager.default.copyItem(atPath: TestCluster.repositoryRoot + "/projections", toPath: root)
        let path = root + "/" + file
        try edit(try String(contentsOfFile: path, encoding: .utf8)).write(toFile: path, atomically: true, encoding: .utf8)
        return root
    }

    @Test("projections validate checks every view against the database and names file and line; serve refuses what validate refuses")
    func validateAndServeRefuse() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let cli = CLITests()
        let url = ["--database-url", db.url.urlWithPassword]
        let valid = try await cli.offPool(["projections", "validate"] + url)
        #expect(valid.status == 0 && valid.stdout.contains("✓ contacts.list GET /v1/contacts (flag contact_reads"), "\(valid.stdout)\(valid.stderr)")
        let file = "contact_directory/views/contacts.list.yaml"
        let cases: [(String, (String) -> String, String)] = [
            ("a field on a column the SQL does not return",
             { $0.replacingOccurrences(of: "phone: contact_phone text", with: "phone: contact_fone text") },
             "uses column contact_fone, which sql does not return"),
            ("a misspelt key", { $0.replacingOccurrences(of: "\nidentity:", with: "\nidentiy:") }, "unknown key identiy in the declaration; did you mean identity?"),
            ("legacy SQL that does not compile", { $0.replacingOccurrences(of: "FROM crm.contacts k", with: "FROM crm.contact k") },
             "legacy does not compile: relation \"crm.contact\" does not exist"),
            ("a type that does not fit", { $0.replacingOccurrences(of: "isPrimary: is_primary boolean", with: "isPrimary: is_primary integer") },
             "field isPrimary is integer, but column is_primary"),
            ("a flag that does not exist", { $0.replacingOccurrences(of: "flag: contact_reads", with: "flag: contact_readz") },
             "cutover flags create contact_readz --kind reader --views contacts.list"),
        ]
        for (what, edit, message) in cases {
            let root = try Self.projections(editing: file, edit)
            defer { try? FileManager.default.removeItem(atPath: root) }
            let run = try await cli.offPool(["projections", "validate", "--set", "projections.directory=\(root)"] + url)
            #expect(run.status == 65 && run.stderr.contains("\(root)/\(file):") && run.stderr.contains(message), "\(what): \(run.status) \(run.stderr)")
        }
        // serve loads the same declarations: a broken file or a missing flag stops it before it listens.
        for (edit, message) in [({ (text: String) in text.replacingOccurrences(of: "\nidentity:", with: "\nidentiy:") }, "unknown key identiy"),
                                ({ (text: String) in text.replacingOccurrences(of: "flag: contact_reads", with: "flag: contact_readz") }, "cutover flags create contact_readz")] {
            let root = try Self.projections(editing: file, edit)
            defer { try? FileManager.default.removeItem(atPath: root) }
            let serve = try await cli.offPool(["serve", "--set", "projections.directory=\(root)", "--set", "http.port=0"] + url)
            #expect(serve.status == 65 && serve.stderr.contains("\(file):") && serve.stderr.contains(message), "\(serve.status) \(serve.stderr)")
            #expect(!serve.stdout.contains("listening"))
        }
    }
}
