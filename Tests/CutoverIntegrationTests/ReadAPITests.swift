import CutoverCore
import CutoverPostgres
import CutoverServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Read API against PostgreSQL", .timeLimit(.minutes(5)))
struct ReadAPITests {
    @Test("missing, malformed, unknown and revoked tokens get 401 problems; a territory not granted gets 403, one that does not exist 400/404")
    func authentication() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        try await APIHarness.withAPI(db) { client in
            for (auth, code) in [(nil as String?, "auth.missing"), ("Basic abc", "auth.invalid"), ("Bearer nope", "auth.invalid"),
                                 ("Bearer cutover_" + String(repeating: "0", count: 40), "auth.invalid")] {
                var headers = HTTPFields()
                if let auth { headers[.authorization] = auth }
                let body = try await client.execute(uri: "/v1/customers?territory=DE-BY", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.contentType] == "application/problem+json")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"cutover\"")
                    return String(buffer: response.body)
                }
                #expect(try APIHarness.json(body)["code"] as? String == code)
            }
            let forbidden = try await APIHarness.get(client, "/v1/customers?territory=DE-NW", token: token)
            #expect(forbidden.status == .forbidden)
            #expect(try APIHarness.json(forbidden.body)["parameter"] as? String == "territory")
            #expect(try await APIHarness.get(client, "/v1/territories/DE-NW/pipeline", token: token).status == .forbidden)
            #expect(try await APIHarness.get(client, "/v1/customers", token: token).status == .ok)  // its only territory
            // A token for every territory asking for one that does not exist: unknown, not forbidden.
            let everything = try await APIHarness.token(db, territories: ["*"])
            let unknownList = try await APIHarness.get(client, "/v1/customers?territory=XX-YY", token: everything)
            #expect(unknownList.status == .badRequest)
            #expect(try APIHarness.json(unknownList.body)["detail"] as? String == "there is no territory XX-YY")
            #expect(try await APIHarness.get(client, "/v1/territories/XX-YY/pipeline", token: everything).status == .notFound)
            #expect(try await APIHarness.get(client, "/v1/territories/DE-NW/pipeline", token: everything).status == .ok)

            let revoked = try await Database.withConnection(db, logger: TestCluster.logger) { c in
                try await TokenRepository(logger: TestCluster.logger).revoke(on: c, idOrPrefix: APIToken.prefix(token))
            }
            #expect(revoked == 1)
            let after = try await APIHarness.get(client, "/v1/customers?territory=DE-BY", token: token)
            #expect(after.status == .unauthorized)
            #expect(try APIHarness.json(after.body)["detail"] as? String == "unknown or revoked token")
        }
    }

    @Test("bad parameters get 400 problems naming the parameter; unknown paths 404; database errors leak nothing")
    func badInput() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let token = try await APIHarness.token(db, territories: ["DE-BY", "DE-BW"])
        try await APIHarness.withAPI(db) { client in
            let cases: [(String, String)] = [
                ("/v1/customers", "territory"), ("/v1/customers?territory=de-by", "territory"),
                ("/v1/customers?territory=DE-BY&limit=0", "limit"), ("/v1/customers?territory=DE-BY&limit=201", "limit"),
                ("/v1/customers?territory=DE-BY&limit=x", "limit"), ("/v1/customers?territory=DE-BY&segment=BAR", "segment"),
                ("/v1/customers?territory=DE-BY&status=GONE", "status"), ("/v1/customers?territory=DE-BY&sort=name", "sort"),
                ("/v1/customers?territory=DE-BY&cursor=%27%3B--", "cursor"), ("/v1/customers?territory=DE-BY&cursor=cjp4Ojk", "cursor"),
                ("/v1/customers?territory=DE-BY&color=red", "color"), ("/v1/customers?territory=DE-BY&territory=DE-BW", "territory"),
                ("/v1/customers/abc", "id"), ("/v1/customers/-4", "id"), ("/v1/customers/1?x=1", "x"),
                ("/v1/territories/bavaria!/pipeline", "code"), ("/v1/customers/+1", "id"), ("/v1/customers/007", "id"),
                ("/v1/samples/followups?territory=DE-BY&cursor=ZjoyMDI2LTAyLTMxOjE", "cursor"), ("/v1/samples/followups?territory=DE-BY&owner=me", "owner"),
            ]
            for (uri, parameter) in cases {
                let r = try await APIHarness.get(client, uri, token: token)
                #expect(r.status == .badRequest, "\(uri)")
                #expect(r.headers[.contentType] == "application/problem+json", "\(uri)")
                #expect(try APIHarness.json(r.body)["parameter"] as? String == parameter, "\(uri): \(r.body)")
            }
            let missing = try await APIHarness.get(client, "/v1/nothing", token: token)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(try await APIHarness.get(client, "/v1/customers/999999999", token: token).status == .notFound)

            // A broken read model: the client gets a 500 problem with a request id, never the database's words.
            try await SQL.exec(db, "DROP VIEW read.sample_followups")
            let broken = try await APIHarness.get(client, "/v1/samples/followups?territory=DE-BY", token: token)
            #expect(broken.status == .internalServerError)
            #expect(broken.headers[.contentType] == "application/problem+json")
            for word in ["sample_followups", "SQLSTATE", "relation", "42P01", "PSQLError", "read."] {
                #expect(!broken.body.contains(word), "problem leaks \(word): \(broken.body)")
            }
        }
    }

    @Test("keyset pagination walks a territory without gaps or repeats: by id (the default) and by revenue (the legacy order)")
    func pagination() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        let byRevenue = try await SQL.column(db, """
            SELECT c.id::text FROM crm.customers c LEFT JOIN crm.orders o ON o.customer_id = c.id WHERE c.territory_code = 'DE-BY'
            GROUP BY c.id ORDER BY coalesce(sum(o.net_amount), 0) DESC, c.id
            """).compactMap { $0 }
        let byID = try await SQL.column(db, "SELECT id::text AS id_text FROM crm.customers WHERE territory_code = 'DE-BY' ORDER BY crm.customers.id").compactMap { $0 }
        #expect(byRevenue.count > 100 && byRevenue != byID)
        for source in ReadSource.allCases {
            try await APIHarness.withAPI(db, source: source) { client in
                for (sort, expected) in [("", byID), ("&sort=id", byID), ("&sort=revenue", byRevenue)] {
                    var seen: [String] = []
                    var cursor: String?
                    repeat {
                        let uri = "/v1/customers?territory=DE-BY&limit=37\(sort)" + (cursor.map { "&cursor=\($0)" } ?? "")
                        let r = try await APIHarness.get(client, uri, token: token)
                        #expect(r.status == .ok, "\(uri): \(r.body)")
                        #expect(r.headers[APIHeaders.source] == source.rawValue)
                        let page = try APIHarness.json(r.body)
                        let items = page["items"] as? [[String: Any]] ?? []
                        seen += items.compactMap { ($0["id"] as? Int).map(String.init) }
                        cursor = page["nextCursor"] as? String
                        #expect(cursor == nil || items.count == 37)
                    } while cursor != nil && seen.count <= expected.count
                    #expect(seen == expected, "\(source.rawValue) pages\(sort) differ from the expected order")
                }
            }
        }
    }

    @Test("the read-model and legacy paths give the same answers")
    func parity() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let token = try await APIHarness.token(db, territories: ["DE-BY", "DE-BW"])
        let ids = try await SQL.column(db, "SELECT id::text FROM crm.customers WHERE territory_code IN ('DE-BY', 'DE-BW') ORDER BY id LIMIT 25").compactMap { $0 }
        let uris = ["/v1/customers?territory=DE-BY", "/v1/customers?territory=DE-BW&segment=HOTEL&limit=10",
                    "/v1/customers?territory=DE-BY&status=LEAD&limit=5", "/v1/customers?territory=DE-BY&sort=revenue",
                    "/v1/customers?territory=DE-BW&segment=HOTEL&status=ACTIVE&sort=revenue&limit=7", "/v1/territories/DE-BY/pipeline",
                    "/v1/samples/followups?territory=DE-BY", "/v1/samples/followups?territory=DE-BW&limit=3"] + ids.map { "/v1/customers/\($0)" }
        var answers: [ReadSource: [String]] = [:]
        for source in ReadSource.allCases {
            answers[source] = try await APIHarness.withAPI(db, source: source) { client in
                var bodies: [String] = []
                for uri in uris {
                    let r = try await APIHarness.get(client, uri, token: token)
                    #expect(r.status == .ok, "\(source.rawValue) \(uri): \(r.body)")
                    bodies.append(r.body)
                }
                return bodies
            }
        }
        for (i, uri) in uris.enumerated() {
            #expect(answers[.readModel]?[i] == answers[.legacy]?[i], "\(uri) differs between read model and legacy")
        }
    }

    @Test("ETag with If-None-Match answers 304; every response names its source and the projection lag")
    func caching() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        try await APIHarness.withAPI(db) { client in
            let first = try await APIHarness.get(client, "/v1/territories/DE-BY/pipeline", token: token)
            #expect(first.status == .ok)
            #expect(first.headers[APIHeaders.source] == "read-model")
            #expect(Double(first.headers[APIHeaders.projectionLag] ?? "") != nil)
            let etag = try #require(first.headers[.eTag])
            var conditional = HTTPFields()
            conditional[.ifNoneMatch] = etag
            let second = try await APIHarness.get(client, "/v1/territories/DE-BY/pipeline", token: token, headers: conditional)
            #expect(second.status == .notModified)
            #expect(second.body.isEmpty)
            conditional[.ifNoneMatch] = "\"stale\", W/\(etag)"  // weak comparison, as RFC 9110 asks for If-None-Match
            #expect(try await APIHarness.get(client, "/v1/territories/DE-BY/pipeline", token: token, headers: conditional).status == .notModified)
            conditional[.ifNoneMatch] = "\"stale\""
            #expect(try await APIHarness.get(client, "/v1/territories/DE-BY/pipeline", token: token, headers: conditional).status == .ok)
        }
    }

    @Test("a protected lead's contacts are masked for other readers, visible to its owner and to managers, on both paths")
    func leadProtection() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let row = try #require(try await SQL.column(db, """
            SELECT c.id || ',' || c.territory_code || ',' || lp.owner_id FROM crm.customers c
            JOIN crm.lead_protections lp ON lp.customer_id = c.id
            WHERE lp.protected_until >= current_date AND EXISTS (SELECT 1 FROM crm.contacts k WHERE k.customer_id = c.id AND k.is_primary)
            ORDER BY c.id LIMIT 1
            """).first ?? nil)
        let parts = row.split(separator: ",").map(String.init)
        let (customer, territory, owner) = (parts[0], parts[1], parts[2])
        let other = try #require(try await SQL.scalar(db, "SELECT min(id)::text FROM crm.users WHERE id <> \(owner) AND role = 'SALES_REP'"))
        let manager = try #require(try await SQL.scalar(db, "SELECT min(id)::text FROM crm.users WHERE role = 'MANAGER'"))
        let tokens = [
            ("other", try await APIHarness.token(db, territories: [territory], user: other), true),
            ("nobody", try await APIHarness.token(db, territories: [territory]), true),
            ("owner", try await APIHarness.token(db, territories: [territory], user: owner), false),
            ("manager", try await APIHarness.token(db, territories: [territory], user: manager), false),
        ]
        for source in ReadSource.allCases {
            try await APIHarness.withAPI(db, source: source) { client in
                for (who, token, masked) in tokens {
                    let r = try await APIHarness.get(client, "/v1/customers/\(customer)", token: token)
                    #expect(r.status == .ok)
                    let body = try APIHarness.json(r.body)
                    #expect(body["contactsMasked"] as? Bool == masked, "\(source.rawValue) \(who)")
                    let contacts = body["primaryContacts"] as? [[String: Any]] ?? []
                    #expect(contacts.isEmpty == masked, "\(source.rawValue) \(who): \(contacts)")
                    #expect(body["name"] as? String != nil)  // the customer itself stays visible
                }
            }
        }
    }

    @Test("/metrics has request latency histograms per route and source")
    func metrics() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        try await APIHarness.withAPI(db) { client in
            _ = try await APIHarness.get(client, "/v1/customers?territory=DE-BY&limit=3", token: token)
            let text = try await APIHarness.get(client, "/metrics", token: nil).body
            #expect(text.contains("cutover_api_request_duration_seconds_bucket"))
            #expect(text.contains("route=\"/v1/customers\""))
            #expect(text.contains("source=\"read-model\""))
            #expect(text.contains("cutover_api_requests_total"))
        }
    }
}
