import CutoverCore
import Foundation
import Testing

@Suite("Declared views: SQL references, requests, cursors and statements", .timeLimit(.minutes(1)))
struct ViewCoreTests {
    static func failure(_ body: () throws -> Void) -> CoreError? {
        do { try body() } catch let error as CoreError { return error } catch { return nil }
        return nil
    }

    static func request(_ query: [String: String], path: [String: String] = [:], view: ViewDeclaration = ViewFixtures.list,
                        territories: [String] = ["DE-BY"]) throws -> ViewRequest {
        try ViewRequest(view: view, path: path, query: query, callerTerritories: territories)
    }

    @Test(":name references are found by the lexer; casts, strings and comments are left alone")
    func references() throws {
        let sql = try ViewSQL(parsing: "SELECT x::text, ':nope' -- :comment\nFROM t WHERE a = :territory AND b = :owner::int AND c = :territory")
        #expect(sql.parameterNames == ["territory", "owner"])
        let rendered = sql.render { "<\($0)>" }
        #expect(rendered == "SELECT x::text, ':nope' -- :comment\nFROM t WHERE a = <territory> AND b = <owner>::int AND c = <territory>")
        #expect(Self.failure { _ = try ViewSQL(parsing: "SELECT 'unterminated") }?.code == .unterminatedSQL)
    }

    @Test("a request: defaults, the caller's only territory, the order, the limit")
    func defaults() throws {
        let plain = try Self.request([:])
        #expect(plain.values == ["territory": "DE-BY"] && plain.order?.name == "id" && plain.limit == 50 && plain.after == nil)
        let sorted = try Self.request(["sort": "revenue", "limit": "7", "segment": "HOTEL", "owner": "12", "territory": "DE-BY"])
        #expect(sorted.order?.name == "revenue" && sorted.limit == 7 && sorted.values == ["territory": "DE-BY", "segment": "HOTEL", "owner": "12"])
        #expect(try Self.request(["territory": "DE-BW"], territories: ["DE-BY", "DE-BW"]).territoryArguments(of: ViewFixtures.list).map(\.value) == ["DE-BW"])
    }

    @Test("every bad parameter is a 400 naming it", arguments: [
        (["foo": "1"], "foo"), (["segment": "BAR"], "segment"), (["owner": "0"], "owner"), (["owner": "012"], "owner"),
        (["owner": "abc"], "owner"), (["limit": "0"], "limit"), (["limit": "201"], "limit"), (["sort": "name"], "sort"),
        (["territory": "de-by"], "territory"), (["cursor": "abc"], "cursor"), (["cursor": Base64URL.encode(#"["id","x"]"#)], "cursor"),
        (["cursor": Base64URL.encode(#"["id","1","2"]"#)], "cursor"), (["cursor": Base64URL.encode(#"["other","1"]"#)], "cursor"),
    ])
    func rejections(query: [String: String], parameter: String) {
        let error = Self.failure { _ = try Self.request(query) }
        #expect(error?.code == .invalidArgument && error?.context["parameter"] == parameter, "\(String(describing: error))")
    }

    @Test("a territory is required when the caller holds several; a path parameter is checked like a query parameter")
    func required() {
        let error = Self.failure { _ = try Self.request([:], territories: ["DE-BY", "DE-BW"]) }
        #expect(error?.context["parameter"] == "territory" && error?.message.contains("may read 2 territories") == true)
        #expect(Self.failure { _ = try Self.request([:], path: ["id": "-1"], view: ViewFixtures.detail) }?.context["parameter"] == "id")
        #expect(Self.failure { _ = try Self.request(["x": "1"], path: ["id": "1"], view: ViewFixtures.detail) }?.context["parameter"] == "x")
        #expect((try? Self.request([:], path: ["id": "17"], view: ViewFixtures.detail))?.values == ["id": "17"])
    }

    @Test("cursors as the statement writes them: base64url JSON of the order and its keys; a cursor of another order is named")
    func cursors() throws {
        let cursor = Base64URL.encode(#"["revenue", "12.50", "7"]"#)
        #expect(try Self.request(["sort": "revenue", "cursor": cursor]).after == ["12.50", "7"])
        let wrong = Self.failure { _ = try Self.request(["cursor": cursor]) }
        #expect(wrong?.message.contains("belongs to sort=revenue, not sort=id") == true, "\(String(describing: wrong))")
        #expect(Self.failure { _ = try Self.request(["sort": "revenue", "cursor": Base64URL.encode(#"["revenue", "1e5", "7"]"#)]) } != nil)
    }

    @Test("statements: filters only for given parameters, absent ones a typed NULL, arguments in order, keyset bounds")
    func statements() throws {
        let first = ViewStatement(ViewFixtures.list, request: try Self.request([:]), legacy: false)
        #expect(first.arguments == ["DE-BY"])
        #expect(first.sql.contains("AND (territory_code = ($1[1])::text)") && !first.sql.contains("segment ="))
        #expect(first.sql.contains("ORDER BY v.customer_id LIMIT 51") && first.sql.contains("FILTER (WHERE p.n <= 50)"))
        let legacy = ViewStatement(ViewFixtures.list, request: try Self.request([:]), legacy: true)
        #expect(legacy.sql.contains("WHERE c.territory_code = ($1[1])::text"))
        let cursor = Base64URL.encode(#"["revenue", "12.50", "7"]"#)
        let paged = ViewStatement(ViewFixtures.list, request: try Self.request(["sort": "revenue", "cursor": cursor, "owner": "3"]), legacy: false)
        #expect(paged.arguments == ["DE-BY", "3", "12.50", "7"])
        #expect(paged.sql.contains("v.revenue <= ($1[3])::numeric AND ((v.revenue < ($1[3])::numeric) OR (v.revenue = ($1[3])::numeric AND v.customer_id > ($1[4])::bigint))"))
        #expect(paged.sql.contains("ORDER BY v.revenue DESC, v.customer_id"))
        let byID = ViewStatement(ViewFixtures.list, request: try Self.request(["cursor": Base64URL.encode(#"["id", "9"]"#)]), legacy: false)
        #expect(byID.sql.contains("(v.customer_id) > (($1[2])::bigint)"))
    }

    @Test("fields: decimals as text, dates and UTC timestamps formatted, objects absent with their column, fixed arrays")
    func fields() throws {
        let detail = ViewStatement(ViewFixtures.detail, request: try Self.request([:], path: ["id": "5"], view: ViewFixtures.detail), legacy: false)
        #expect(detail.sql.hasPrefix("SELECT json_strip_nulls(json_build_object('id', v.customer_id"))
        #expect(detail.sql.contains("CASE WHEN v.protection_owner_id IS NOT NULL THEN json_build_object('until', to_char(v.protected_until, 'YYYY-MM-DD')) END"))
        #expect(detail.sql.contains("(VALUES (1, CASE WHEN v.chef_id IS NOT NULL THEN json_build_object('role', 'CHEF', 'id', v.chef_id) END))"))
        #expect(detail.sql.contains(#"to_char(v.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#))
        #expect(detail.sql.hasSuffix("LIMIT 1") && detail.arguments == ["5"])
        let list = ViewStatement(ViewFixtures.list, request: try Self.request([:]), legacy: false)
        #expect(list.sql.contains("'revenue', (v.revenue)::text"))
    }

    @Test("a view's context narrows the caller, never widens it")
    func context() {
        let caller = Caller(tokenID: 1, module: "02", role: .reader, territories: ["DE-BY"], userID: 5, userRole: "MANAGER")
        let scoped = caller.scoped(to: [.territories])
        #expect(scoped.territories == ["DE-BY"] && scoped.userID == nil && scoped.userRole == nil)
        #expect(caller.scoped(to: Set(ViewDeclaration.ContextPart.allCases)) == caller)
    }
}
