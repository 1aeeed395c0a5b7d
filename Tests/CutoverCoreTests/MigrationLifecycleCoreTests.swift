import CutoverCore
import Testing

@Suite("Migration rollback, repeatables, numbering and timeouts", .timeLimit(.minutes(1)))
struct MigrationLifecycleCoreTests {
    func applied(_ file: MigrationFile) -> AppliedMigration {
        AppliedMigration(version: file.version, name: file.name, filename: file.filename, phase: file.phase, checksum: file.checksum,
                         appliedBy: "t", appliedAt: "2026-01-01T00:00:00Z", durationMilliseconds: 1)
    }

    @Test("a -- rollback: line splits forward and rollback statements; one inside a function body does not")
    func rollbackSection() throws {
        let file = try MigrationFile(filename: "V3__x.sql", content: """
            -- phase: expand
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$
            -- rollback:
            SELECT 1
            $$;
            CREATE TABLE t (id int); CREATE TABLE u (id int);
            -- Rollback:
            DROP TABLE u; DROP TABLE t;
            DROP FUNCTION f();
            """)
        #expect(file.statements.count == 3)
        #expect(file.rollbackStatements.map(\.sql) == ["DROP TABLE u", "DROP TABLE t", "DROP FUNCTION f()"])
        #expect(file.rollbackSource == "section")
        #expect(throws: CoreError.self) { try MigrationFile(filename: "V3__x.sql", content: "-- phase: expand\nSELECT 1;\n-- rollback:\n") }
        #expect(throws: CoreError.self) {
            try MigrationFile(filename: "V3__x.sql", content: "-- phase: expand\nSELECT 1;\n-- rollback:\nSELECT 2;\n-- rollback:\nSELECT 3;")
        }
    }

    @Test("U files attach to their V file; an orphan or a second rollback is an error")
    func undoFiles() throws {
        let c = try MigrationCatalog(sources: [("V1__a.sql", "-- phase: expand\nCREATE TABLE a (id int);"), ("U1__a.sql", "DROP TABLE a;")])
        #expect(c.files[0].rollbackSource == "U1__a.sql" && c.files[0].rollbackStatements.map(\.sql) == ["DROP TABLE a"])
        #expect(throws: CoreError.self) { try MigrationCatalog(sources: [("U2__b.sql", "SELECT 1;")]) }
        #expect(throws: CoreError.self) {
            try MigrationCatalog(sources: [("V1__a.sql", "-- phase: expand\nSELECT 1;\n-- rollback:\nSELECT 2;"), ("U1__a.sql", "SELECT 3;")])
        }
    }

    @Test("repeatable files default to expand, reject a bad phase and re-apply only when changed")
    func repeatables() throws {
        let c = try MigrationCatalog(sources: [("R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;"), ("R__fn.sql", "-- phase: migrate\nSELECT 1;")])
        #expect(c.repeatables.map(\.filename) == ["R__fn.sql", "R__views.sql"])
        #expect(c.repeatables.map(\.phase) == [.migrate, .expand])
        let recorded = [AppliedRepeatable(filename: "R__views.sql", checksum: c.repeatables[1].checksum, appliedBy: "t", appliedAt: "x"),
                        AppliedRepeatable(filename: "R__fn.sql", checksum: "old", appliedBy: "t", appliedAt: "x")]
        #expect(MigrationPlanner().repeatablesToApply(catalog: c, applied: recorded).map(\.filename) == ["R__fn.sql"])
        #expect(MigrationPlanner().repeatablesToApply(catalog: c, applied: recorded, phases: [.expand]).isEmpty)
        #expect(throws: CoreError.self) { try MigrationCatalog(sources: [("R__v.sql", "-- phase: sometime\nSELECT 1;")]) }
        #expect(throws: CoreError.self) { try MigrationCatalog(sources: [("R__Bad-Name.sql", "SELECT 1;")]) }
    }

    @Test("rollback plans newest first, stop before contract files and refuse files without rollback")
    func rollbackPlans() throws {
        let c = try MigrationCatalog(sources: [
            ("V1__a.sql", "-- phase: expand\nSELECT 1;\n-- rollback:\nSELECT -1;"),
            ("V2__c.sql", "-- phase: contract\nSELECT 2;"),
            ("V3__b.sql", "-- phase: migrate\nSELECT 3;\n-- rollback:\nSELECT -3;"),
            ("V4__d.sql", "-- phase: expand\nSELECT 4;\n-- rollback:\nSELECT -4;"),
            ("V5__e.sql", "-- phase: expand\nSELECT 5;"),
        ])
        let all = c.files.map(applied)
        let plan = try MigrationPlanner().rollback(catalog: c, applied: Array(all.prefix(4)), to: 1)
        #expect(plan.files.map(\.version) == [4, 3] && plan.stoppedBefore?.version == 2)
        #expect(try MigrationPlanner().rollback(catalog: c, applied: Array(all.prefix(4))).files.map(\.version) == [4])
        #expect(throws: CoreError.self) { try MigrationPlanner().rollback(catalog: c, applied: all) }  // V5 has none
        #expect(throws: CoreError.self) { try MigrationPlanner().rollback(catalog: c, applied: Array(all.prefix(2))) }  // V2 contract
        #expect(throws: CoreError.self) { try MigrationPlanner().rollback(catalog: c, applied: Array(all.prefix(4)), to: 9) }
        #expect(throws: CoreError.self) { try MigrationPlanner().rollback(catalog: c, applied: []) }
        var drifted = all[3]
        drifted.checksum = "0000"
        #expect(throws: CoreError.self) { try MigrationPlanner().rollback(catalog: c, applied: Array(all.prefix(3)) + [drifted]) }
    }

    @Test("numbering: VXXX files get the next free numbers, duplicates keep the applied or older file, undo files follow")
    func numbering() {
        let n = MigrationNumbering()
        let renames = n.renames(filenames: ["V001__a.sql", "V002__b.sql", "V002__c.sql", "U002__c.sql", "VXXX__z.sql", "VXXX__y.sql", "README.md"],
                                appliedVersions: [1, 2, 3], addedOrder: ["V001__a.sql", "V002__c.sql", "V002__b.sql", "VXXX__z.sql"])
        #expect(renames.map(\.description) == [
            "V002__b.sql → V004__b.sql (duplicate of V002__c.sql)",
            "VXXX__z.sql → V005__z.sql (unnumbered)",
            "VXXX__y.sql → V006__y.sql (unnumbered)",
        ])
        let applied = n.renames(filenames: ["V002__b.sql", "V002__c.sql", "U002__c.sql"], appliedFilenames: ["V002__b.sql"], appliedVersions: [2])
        #expect(applied.map(\.description) == ["V002__c.sql → V003__c.sql (duplicate of V002__b.sql)", "U002__c.sql → U003__c.sql (undo file of V002__c.sql)"])
        #expect(n.renames(filenames: ["V0001__a.sql", "VXXX__b.sql"]).map(\.to) == ["V0002__b.sql"])
        #expect(n.renames(filenames: ["V001__a.sql", "V002__b.sql"]).isEmpty)
    }

    @Test("numbering never gives a file the version of an undo file; undo files without their V file are listed")
    func strayUndoFiles() {
        let n = MigrationNumbering()
        let files = ["V001__a.sql", "V002__b.sql", "V003__c.sql", "U004__old_experiment.sql", "VXXX__add_qa_new.sql", "UXXX__gone.sql"]
        #expect(n.renames(filenames: files).map(\.to) == ["V005__add_qa_new.sql"])
        #expect(n.orphanUndoFiles(filenames: files) == ["U004__old_experiment.sql", "UXXX__gone.sql"])
        #expect(n.orphanUndoFiles(filenames: ["V002__b.sql", "U002__b.sql", "VXXX__c.sql", "UXXX__c.sql"]).isEmpty)
    }

    @Test("backoff doubles per try up to the cap, half fixed and half jitter")
    func backoff() {
        let t = MigrationTimeouts(baseBackoffMilliseconds: 100, maxBackoffMilliseconds: 1000)
        #expect(t.backoffMilliseconds(afterAttempt: 1, random: 0) == 50 && t.backoffMilliseconds(afterAttempt: 1, random: 0.999) == 99)
        #expect(t.backoffMilliseconds(afterAttempt: 3, random: 0) == 200)
        #expect(t.backoffMilliseconds(afterAttempt: 30, random: 0.5) == 750)
    }

    @Test("CREATE INDEX CONCURRENTLY names are found through quotes, schemas and comments")
    func concurrentIndexNames() {
        #expect(ConcurrentIndex.name(in: "CREATE INDEX CONCURRENTLY idx ON t (c)")! == (nil, "idx"))
        #expect(ConcurrentIndex.name(in: "create unique index concurrently if not exists crm.\"Big Idx\" on crm.t (c)")! == ("crm", "Big Idx"))
        #expect(ConcurrentIndex.name(in: "-- note\nCREATE INDEX CONCURRENTLY\n  IDX_A ON t(c)")! == (nil, "idx_a"))
        #expect(ConcurrentIndex.name(in: "CREATE INDEX CONCURRENTLY ON t (c)") == nil)
        #expect(ConcurrentIndex.name(in: "CREATE INDEX idx ON t (c)") == nil)
    }
}

@Suite("Linting files with a rollback section", .timeLimit(.minutes(1)))
struct LintRollbackSectionTests {
    @Test("the rollback section is not linted; the forward part is")
    func skipsRollback() throws {
        let file = try MigrationFile(filename: "V9__x.sql", content: """
            -- phase: expand
            ALTER TABLE crm.customers ADD COLUMN note text;
            CREATE INDEX customers_note_idx ON crm.customers (note);
            -- rollback:
            DROP INDEX crm.customers_note_idx;
            ALTER TABLE crm.customers DROP COLUMN note;
            """)
        let rules = MigrationLinter(runnerSetsLockTimeout: true).lint(file).map(\.rule.rawValue)
        #expect(rules == ["index-not-concurrent"])
    }
}
