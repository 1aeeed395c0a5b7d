import CutoverCore
import Testing

@Suite("Migration planner", .timeLimit(.minutes(1)))
struct MigrationPlannerTests {
    func catalog(_ versions: [Int], phase: MigrationPhase = .expand) throws -> MigrationCatalog {
        try MigrationCatalog(sources: versions.map { ("V\($0)__m\($0).sql", "-- phase: \(phase.rawValue)\nSELECT \($0);") })
    }

    func applied(_ file: MigrationFile, checksum: String? = nil) -> AppliedMigration {
        AppliedMigration(version: file.version, name: file.name, filename: file.filename, phase: file.phase,
                         checksum: checksum ?? file.checksum, appliedBy: "t", appliedAt: "now", durationMilliseconds: 1)
    }

    @Test("pending files are those not yet applied, in order, up to a target")
    func pending() throws {
        let c = try catalog([1, 2, 3, 4])
        let history = [applied(c.files[0]), applied(c.files[1])]
        #expect(try MigrationPlanner().pending(catalog: c, applied: history).map(\.version) == [3, 4])
        #expect(try MigrationPlanner().pending(catalog: c, applied: history, target: 3).map(\.version) == [3])
        #expect(try MigrationPlanner().pending(catalog: c, applied: []).map(\.version) == [1, 2, 3, 4])
    }

    @Test("phase filter")
    func phases() throws {
        let c = try MigrationCatalog(sources: [("V1__a.sql", "-- phase: expand\nSELECT 1;"), ("V2__b.sql", "-- phase: contract\nSELECT 1;")])
        #expect(try MigrationPlanner().pending(catalog: c, applied: [], phases: [.expand]).map(\.version) == [1])
    }

    @Test("checksum drift stops everything and names the file")
    func drift() throws {
        let c = try catalog([1, 2])
        #expect {
            try MigrationPlanner().pending(catalog: c, applied: [applied(c.files[0], checksum: "0000")])
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.code == .checksumDrift && e.context["file"] == "V1__m1.sql"
        }
        let status = MigrationPlanner().status(catalog: c, applied: [applied(c.files[0], checksum: "0000")])
        #expect(status.first?.status == .checksumDrift(recorded: "0000", onDisk: c.files[0].checksum))
    }

    @Test("an applied file that disappeared is an error")
    func missing() throws {
        let c = try catalog([2])
        let gone = try MigrationFile(filename: "V1__gone.sql", content: "-- phase: expand\nSELECT 1;")
        #expect {
            try MigrationPlanner().pending(catalog: c, applied: [applied(gone)])
        } throws: { ($0 as? CoreError)?.code == .appliedMigrationMissing }
    }

    @Test("a pending file older than the newest applied one is out of order unless allowed")
    func outOfOrder() throws {
        let c = try catalog([1, 2, 3])
        let history = [applied(c.files[0]), applied(c.files[2])]
        #expect {
            try MigrationPlanner().pending(catalog: c, applied: history)
        } throws: { ($0 as? CoreError)?.code == .outOfOrderMigration }
        #expect(try MigrationPlanner(allowOutOfOrder: true).pending(catalog: c, applied: history).map(\.version) == [2])
    }
}
