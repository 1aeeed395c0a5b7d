import CutoverCore
import Testing

@Suite("Migration files", .timeLimit(.minutes(1)))
struct MigrationFileTests {
    @Test("parses version, name, phase, statements and a stable checksum")
    func parses() throws {
        let file = try MigrationFile(filename: "V012__add_customer_overview.sql",
                                     content: "-- phase: expand\n-- Note: comments are fine\nCREATE TABLE x (id int);\nCREATE INDEX ON x (id);\n")
        #expect(file.version == 12 && file.name == "add_customer_overview" && file.phase == .expand)
        #expect(file.transactional && file.statements.count == 2)
        let crlf = try MigrationFile(filename: "V012__add_customer_overview.sql",
                                     content: "-- phase: expand\r\n-- Note: comments are fine\r\nCREATE TABLE x (id int);\r\nCREATE INDEX ON x (id);\r\n")
        #expect(crlf.checksum == file.checksum)
    }

    @Test("transaction: none marks a non-transactional file")
    func nonTransactional() throws {
        let file = try MigrationFile(filename: "V2__idx.sql", content: "-- phase: expand\n-- transaction: none\nCREATE INDEX CONCURRENTLY i ON t (c);")
        #expect(!file.transactional)
    }

    @Test("bad names are rejected with the expected form", arguments: [
        "add_thing.sql", "V__x.sql", "V1_x.sql", "V0__x.sql", "Vab__x.sql", "V1__Bad-Name.sql", "VXXX__template.sql",
    ])
    func badNames(name: String) {
        #expect {
            try MigrationFile(filename: name, content: "-- phase: expand\nSELECT 1;")
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.code == .malformedMigrationName && e.message.hasPrefix(name)
        }
    }

    @Test("a missing or unknown phase is an error naming the file")
    func badHeaders() {
        #expect(throws: CoreError.self) { try MigrationFile(filename: "V1__a.sql", content: "SELECT 1;") }
        #expect {
            try MigrationFile(filename: "V1__a.sql", content: "-- phase: expnad\nSELECT 1;")
        } throws: { error in
            (error as? CoreError)?.message.contains("unknown phase \"expnad\"") == true
        }
        #expect(throws: CoreError.self) { try MigrationFile(filename: "V1__a.sql", content: "-- phase: expand\n-- phase: contract\nSELECT 1;") }
        #expect(throws: CoreError.self) { try MigrationFile(filename: "V1__a.sql", content: "-- phase: expand\n-- only comments\n") }
    }

    @Test("an unknown header directive is an error with a did-you-mean; capitalised prose stays a comment")
    func unknownDirectives() throws {
        let guarded = "-- phase: contract\n-- gaurd: flag customer_reads = read_model for all modules\nDROP INDEX CONCURRENTLY crm.x;"
        #expect {
            try MigrationFile(filename: "V5__drop.sql", content: guarded)
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.code == .malformedMigrationHeader && e.message.hasPrefix("V5__drop.sql:2: unknown directive \"gaurd\"; did you mean \"guard\"?")
        }
        #expect {
            try MigrationFile(filename: "V5__a.sql", content: "-- phase: expand\n-- tranaction: none\nSELECT 1;")
        } throws: { ($0 as? CoreError)?.message.contains("did you mean \"transaction\"?") == true }
        // A lower-case word is a directive even far from every known one; a close capitalised one too.
        #expect(throws: CoreError.self) { try MigrationFile(filename: "V5__a.sql", content: "-- phase: expand\n-- owner: crm team\nSELECT 1;") }
        #expect(throws: CoreError.self) { try MigrationFile(filename: "V5__a.sql", content: "-- Phse: expand\nSELECT 1;") }
        #expect(throws: CoreError.self) { try RepeatableMigration(filename: "R__views.sql", content: "-- descripton: views\nSELECT 1;") }
        let prose = try MigrationFile(filename: "V5__a.sql",
                                      content: "-- phase: expand\n-- Expand: add only.\n-- Why this exists: a note\n--   cutover_reader   the role readers are\n--                    granted: SELECT only\n-- cutover-lint: ignore-file require-lock-timeout reason: demo\nSELECT 1;")
        #expect(prose.statements.count == 1)
        // Loose files linted as SQL (not migrations) keep their own comment conventions.
        #expect(try MigrationHeader(parsing: "-- expect: none\n-- phase: expand\nSELECT 1;", filename: "corpus.sql", strict: false).phase == .expand)
    }

    @Test("the catalog lists every problem of the folder at once: malformed and unnumbered files, duplicates, orphan undo files")
    func everyProblemAtOnce() {
        #expect {
            try MigrationCatalog(sources: [
                ("V001__a.sql", "-- phase: expand\nSELECT 1;"), ("V002__b.sql", "-- phase: expand\nSELECT 1;"),
                ("V002__c.sql", "-- phase: expand\nSELECT 1;"), ("VXXX__d.sql", "-- phase: expand\nSELECT 1;"),
                ("V003__e.sql", "-- phse: expand\nSELECT 1;"), ("U003__e.sql", "SELECT 2;"), ("U007__gone.sql", "SELECT 3;"),
            ])
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            let lines = e.message.split(separator: "\n")
            return lines.count == 4 && e.context["problems"] == "4"
                && lines.contains { $0.hasPrefix("VXXX__d.sql: unnumbered") } && lines.contains { $0.hasPrefix("V003__e.sql:1: unknown directive") }
                && lines.contains { $0.hasPrefix("two migration files share version 2") } && lines.contains { $0.hasPrefix("U007__gone.sql: no V007 file") }
        }
    }

    @Test("the catalog orders files, reports every malformed file and detects duplicate versions")
    func catalog() throws {
        let catalog = try MigrationCatalog(sources: [
            ("V10__c.sql", "-- phase: contract\nSELECT 1;"), ("V2__b.sql", "-- phase: migrate\nSELECT 1;"),
            ("README.md", "not sql"), ("V1__a.sql", "-- phase: expand\nSELECT 1;"),
        ])
        #expect(catalog.files.map(\.version) == [1, 2, 10])
        #expect {
            try MigrationCatalog(sources: [("V1__a.sql", "-- phase: expand\nSELECT 1;"), ("V001__b.sql", "-- phase: expand\nSELECT 1;")])
        } throws: { ($0 as? CoreError)?.code == .duplicateMigrationVersion }
        #expect {
            try MigrationCatalog(sources: [("x.sql", "SELECT 1;"), ("V1__a.sql", "SELECT 1;")])
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.message.contains("x.sql") && e.message.contains("V1__a.sql")
        }
    }
}
