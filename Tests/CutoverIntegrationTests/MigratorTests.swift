import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO
import Testing

@Suite("Migrator against PostgreSQL", .timeLimit(.minutes(5)))
struct MigratorTests {
    let logger = TestCluster.logger

    /// A temporary migrations folder with the given files.
    func folder(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "cutover-migrations-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test("applies pending files in order and records them with checksums")
    func appliesAndRecords() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = try folder([
            "V002__add_notes.sql": "-- phase: expand\nALTER TABLE demo ADD COLUMN note text;\n",
            "V001__create_demo.sql": "-- phase: expand\nCREATE TABLE demo (id int PRIMARY KEY);\nINSERT INTO demo VALUES (1), (2);\n",
        ])
        let catalog = try MigrationSource.load(directory: dir)
        let migrator = Migrator(target: target, catalog: catalog, operatorName: "tester", logger: logger)
        let applied = try await migrator.up()
        #expect(applied.map(\.version) == [1, 2])
        let history = try await migrator.history()
        #expect(history.map(\.filename) == ["V001__create_demo.sql", "V002__add_notes.sql"])
        #expect(history.map(\.checksum) == catalog.files.map(\.checksum))
        #expect(history.allSatisfy { $0.appliedBy.hasPrefix("tester as ") })
        #expect(try await SQL.scalar(target, "SELECT count(*)::text FROM demo") == "2")
        #expect(try await SQL.scalar(target, "SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'demo' AND column_name = 'note'") == "1")
        // Second run: nothing to do.
        #expect(try await migrator.up().isEmpty)
    }

    @Test("refuses an applied file whose checksum changed, naming the file")
    func refusesChecksumDrift() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = try folder(["V001__create_demo.sql": "-- phase: expand\nCREATE TABLE demo (id int);\n"])
        try await Migrator(target: target, catalog: try MigrationSource.load(directory: dir), logger: logger).up()
        try "-- phase: expand\nCREATE TABLE demo (id bigint);\n".write(toFile: dir + "/V001__create_demo.sql", atomically: true, encoding: .utf8)
        try "-- phase: expand\nCREATE TABLE other (id int);\n".write(toFile: dir + "/V002__other.sql", atomically: true, encoding: .utf8)
        let migrator = Migrator(target: target, catalog: try MigrationSource.load(directory: dir), logger: logger)
        await #expect {
            try await migrator.up()
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.code == .checksumDrift && e.message.contains("V001__create_demo.sql")
        }
        // Nothing after the drift ran.
        #expect(try await SQL.scalar(target, "SELECT to_regclass('other')::text") == nil)
    }

    @Test("a failing statement rolls the whole file back and is not recorded")
    func failingFileRollsBack() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = try folder([
            "V001__ok.sql": "-- phase: expand\nCREATE TABLE a (id int);\n",
            "V002__broken.sql": "-- phase: expand\nCREATE TABLE b (id int);\n\nINSERT INTO missing_table VALUES (1);\n",
        ])
        let migrator = Migrator(target: target, catalog: try MigrationSource.load(directory: dir), logger: logger)
        await #expect {
            try await migrator.up()
        } throws: { error in
            guard let e = error as? DatabaseError else { return false }
            return e.code == .migrationFailed && e.message.contains("V002__broken.sql line 4") && e.sqlState == "42P01"
        }
        #expect(try await migrator.history().map(\.version) == [1])
        #expect(try await SQL.scalar(target, "SELECT to_regclass('b')::text") == nil)
    }

    @Test("a second runner waits for the lock, then fails clearly naming the holder")
    func secondRunnerFailsClearly() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = try folder(["V001__a.sql": "-- phase: expand\nCREATE TABLE a (id int);\n"])
        let holder = try await Database.connect(target, logger: logger)
        try await holder.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_lock(\(Migrator.advisoryLockKey))"), logger: logger)
        let migrator = Migrator(target: target, catalog: try MigrationSource.load(directory: dir), lockWaitSeconds: 0.6, logger: logger)
        let events = EventLog()
        await #expect {
            try await migrator.up { events.append($0) }
        } throws: { error in
            guard let e = error as? DatabaseError else { return false }
            return e.code == .migrationLockBusy && e.message.contains("pid")
        }
        #expect(events.waited)
        // Once released, the same runner succeeds.
        try await holder.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock_all()"), logger: logger)
        try await holder.close()
        #expect(try await migrator.up().map(\.version) == [1])
    }

    @Test("two concurrent runners: one applies, the other waits and finds nothing to do")
    func concurrentRunnersSerialise() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = try folder([
            "V001__slow.sql": "-- phase: expand\nCREATE TABLE a (id int);\nSELECT pg_sleep(0.5);\n",
        ])
        let catalog = try MigrationSource.load(directory: dir)
        async let first = Migrator(target: target, catalog: catalog, logger: logger).up()
        async let second = Migrator(target: target, catalog: catalog, logger: logger).up()
        let results = try await [first, second]
        #expect(results.map(\.count).sorted() == [0, 1])
        #expect(try await Migrator(target: target, catalog: catalog, logger: logger).history().count == 1)
    }

    @Test("the shipped migrations apply to an empty database")
    func shippedMigrationsApply() async throws {
        let target = try await TestCluster.shared.migratedDatabase()
        let territories = try await SQL.column(target, "SELECT code FROM crm.territories ORDER BY code")
        #expect(Set(territories.compactMap { $0 }) == ["DE-BY", "DE-BW", "DE-BE", "DE-HH", "DE-NW", "DE-HE", "AT-W", "CH-ZH"])
    }
}

/// Collects migration events across concurrency domains.
final class EventLog: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ event: MigrationEvent) {
        if case .waitingForLock = event { storage.withLock { $0.append("waiting") } }
    }
    var waited: Bool { storage.withLock { $0.contains("waiting") } }
}
import Synchronization
