import CutoverCore
import Foundation
import Testing

@Suite("Backfill definitions", .timeLimit(.minutes(1)))
struct BackfillDefinitionTests {
    static let header = """
        -- backfill: fill_things
        -- description: things from stuff
        -- source: crm.stuff
        -- key: id

        """
    static let body = "INSERT INTO crm.things (id) SELECT id FROM crm.stuff WHERE id > :from_key AND id <= :to_key ON CONFLICT DO NOTHING;\n"

    func parse(_ content: String, filename: String = "fill_things.sql") throws(CoreError) -> BackfillDefinition {
        try BackfillDefinition(filename: filename, content: content)
    }

    func code(of content: String, filename: String = "fill_things.sql") -> (CoreError.Code, String)? {
        do {
            _ = try parse(content, filename: filename)
            return nil
        } catch {
            return (error.code, error.message)
        }
    }

    @Test("parses directives, defaults, the statement and its placeholders in order of use")
    func parses() throws {
        let d = try parse(Self.header + "-- A prose comment: with a colon is fine.\n" + Self.body)
        #expect(d.name == "fill_things" && d.description == "things from stuff" && d.source == "crm.stuff" && d.key == "id")
        #expect(d.partition == nil && d.partitionsQuery == nil)
        #expect(d.batchSize == BackfillDefinition.defaultBatchSize && d.lockTimeoutMilliseconds == 500 && d.statementTimeoutMilliseconds == 30_000)
        #expect(d.statement.parameters == [.fromKey, .toKey])
        #expect(d.statement.translated.contains("id > $1::bigint AND id <= $2::bigint"))
        #expect(d.checksum.count == 64)
    }

    @Test("the shipped lead_assignments definition is valid and partitioned by territory")
    func shipped() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let path = url.path + "/migrations/backfills/lead_assignments.sql"
        let d = try parse(try String(contentsOfFile: path, encoding: .utf8), filename: "lead_assignments.sql")
        #expect(d.source == "crm.lead_protections" && d.key == "customer_id" && d.batchSize == 5000)
        #expect(d.partition != nil && d.partitionsQuery?.contains("crm.territories") == true)
        #expect(Set(d.statement.parameters) == [.fromKey, .toKey, .partition])
        #expect(!d.statement.translated.contains(":from_key") && !d.statement.translated.contains(":partition"))
    }

    @Test("a placeholder used twice binds one parameter; casts, strings, identifiers and comments are not placeholders")
    func placeholders() throws {
        let sql = """
            -- backfill: fill_things
            -- source: stuff
            -- key: id
            -- partition: src.region
            -- partitions: SELECT DISTINCT region FROM stuff ORDER BY 1
            UPDATE things t SET note = ':to_key' || $$ :from_key $$ || "col:x" -- :nope
            FROM stuff s /* :nope */ WHERE s.id = t.id AND s.id > :from_key::bigint AND s.id <= :to_key
              AND s.region = :partition AND (:partition IS NOT NULL) AND s.created::date > '2020-01-01'::date
            """
        let d = try parse(sql)
        #expect(d.statement.parameters == [.fromKey, .toKey, .partition])
        let t = d.statement.translated
        #expect(t.contains("':to_key'") && t.contains("$$ :from_key $$") && t.contains("\"col:x\"") && t.contains("-- :nope") && t.contains("/* :nope */"))
        #expect(t.contains("s.id > $1::bigint::bigint AND s.id <= $2::bigint"))
        #expect(t.contains("s.region = $3::text AND ($3::text IS NOT NULL)"))
        #expect(t.contains("s.created::date > '2020-01-01'::date"))
    }

    @Test("the same text with CRLF line endings has the same checksum; any change changes it")
    func checksum() throws {
        let lf = try parse(Self.header + Self.body)
        let crlf = try parse((Self.header + Self.body).replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(lf.checksum == crlf.checksum)
        let changed = try parse(Self.header + Self.body.replacingOccurrences(of: "DO NOTHING", with: "DO NOTHING "))
        #expect(changed.checksum != lf.checksum)
    }

    @Test("an unknown directive is named with its line and the known ones")
    func unknownDirective() throws {
        let e = try #require(code(of: Self.header + "-- batchsize: 100\n" + Self.body))
        #expect(e.0 == .unknownBackfillDirective)
        #expect(e.1.contains("fill_things.sql:5") && e.1.contains("\"batchsize\"") && e.1.contains("batch-size"))
    }

    @Test("missing backfill, source or key directives", arguments: ["backfill", "source", "key"])
    func missingDirective(directive: String) throws {
        let content = (Self.header + Self.body).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("-- \(directive):") }.joined(separator: "\n")
        let e = try #require(code(of: content))
        #expect(e.0 == .missingBackfillDirective && e.1.contains("-- \(directive):"))
    }

    @Test("invalid values: name not the file's, bad identifiers, batch size out of range, duplicate directive, partition without partitions")
    func invalidValues() throws {
        #expect(code(of: Self.header + Self.body, filename: "other.sql")?.0 == .invalidBackfillDirective)
        #expect(code(of: Self.header.replacingOccurrences(of: "crm.stuff", with: "crm.stuff; DROP TABLE x") + Self.body)?.0 == .invalidBackfillDirective)
        #expect(code(of: Self.header.replacingOccurrences(of: "key: id", with: "key: id + 1") + Self.body)?.0 == .invalidBackfillDirective)
        for size in ["0", "-5", "ten", "2000000"] {
            let e = code(of: Self.header + "-- batch-size: \(size)\n" + Self.body)
            #expect(e?.0 == .invalidBackfillDirective && e?.1.contains("batch-size") == true, "batch-size \(size)")
        }
        #expect(code(of: Self.header + "-- key: other\n" + Self.body)?.1.contains("declared twice") == true)
        let partitionOnly = code(of: Self.header + "-- partition: src.region\n" + Self.body.replacingOccurrences(of: ":to_key", with: ":to_key AND region = :partition"))
        #expect(partitionOnly?.0 == .missingBackfillDirective && partitionOnly?.1.contains("partitions") == true)
    }

    @Test("placeholders: from_key and to_key required, partition only with a partition directive, unknown ones named")
    func placeholderErrors() throws {
        let noTo = code(of: Self.header + Self.body.replacingOccurrences(of: " AND id <= :to_key", with: ""))
        #expect(noTo?.0 == .backfillPlaceholder && noTo?.1.contains(":to_key") == true)
        let noFrom = code(of: Self.header + Self.body.replacingOccurrences(of: "id > :from_key AND ", with: ""))
        #expect(noFrom?.0 == .backfillPlaceholder && noFrom?.1.contains(":from_key") == true)
        let stray = code(of: Self.header + Self.body.replacingOccurrences(of: ":to_key", with: ":to_key AND region = :partition"))
        #expect(stray?.0 == .backfillPlaceholder && stray?.1.contains("no \"-- partition") == true)
        let unused = code(of: Self.header + "-- partition: src.region\n-- partitions: SELECT 'a'\n" + Self.body)
        #expect(unused?.0 == .backfillPlaceholder && unused?.1.contains("does not use :partition") == true)
        let typo = code(of: Self.header + Self.body.replacingOccurrences(of: ":to_key", with: ":to_kye"))
        #expect(typo?.0 == .backfillPlaceholder && typo?.1.contains(":to_kye") == true)
    }

    @Test("exactly one INSERT, UPDATE or DELETE without RETURNING")
    func statementShape() throws {
        let two = code(of: Self.header + Self.body + "DELETE FROM crm.stuff WHERE id > :from_key AND id <= :to_key;\n")
        #expect(two?.0 == .backfillStatementCount && two?.1.contains("found 2") == true)
        #expect(code(of: Self.header)?.0 == .backfillStatementCount)
        #expect(code(of: Self.header + "SELECT * FROM crm.stuff WHERE id > :from_key AND id <= :to_key;")?.0 == .invalidBackfillDirective)
        let returning = code(of: Self.header + Self.body.replacingOccurrences(of: ";", with: " RETURNING id;"))
        #expect(returning?.0 == .invalidBackfillDirective && returning?.1.contains("RETURNING") == true)
        #expect(code(of: Self.header + "INSERT INTO t SELECT 'unterminated WHERE id > :from_key AND id <= :to_key;")?.0 == .unterminatedSQL)
    }
}
