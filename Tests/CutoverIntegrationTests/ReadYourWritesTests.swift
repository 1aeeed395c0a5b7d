import CutoverCore
import CutoverPostgres
import CutoverServer
import Foundation
import HTTPTypes
import PostgresNIO
import Testing

/// Read-your-writes: a module sends the WAL position of its own commit (`Cutover-After-LSN`) and
/// the read model answers only once it has applied it; when it cannot in time, a 503 or (as
/// configured) the legacy path answers.
@Suite("Read-your-writes with Cutover-After-LSN", .serialized, .timeLimit(.minutes(5)))
struct ReadYourWritesTests {
    /// Renames `id` and returns the WAL position right after the commit, as a writer would take it.
    func rename(_ db: DatabaseTarget, _ id: String, to name: String) async throws -> String {
        try await Database.withConnection(db, logger: TestCluster.logger) { connection in
            try await connection.query("UPDATE crm.customers SET name = \(name) WHERE id = \(Int64(id)!)", logger: TestCluster.logger)
            for try await lsn in try await connection.query("SELECT pg_current_wal_insert_lsn()::text", logger: TestCluster.logger).decode(String.self) {
                return lsn
            }
            throw CoreError(.invalidArgument, "no WAL position")
        }
    }

    func after(_ lsn: String) -> HTTPFields {
        var fields = HTTPFields()
        fields[APIHeaders.afterLSN] = lsn
        return fields
    }

    @Test("a write is visible in the next read that names its LSN, every time; a malformed LSN is a 400 naming the header")
    func ownWritesVisible() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let projector = try ProjectorHarness.process(db, name: "ryw")
        defer { projector.kill(SIGKILL) }
        try await ProjectorHarness.waitUntilCaughtUp(db)
        let serve = try await ServeProcess(db, settings: ["api.forceSource=read-model", "api.readYourWritesWaitMilliseconds=10000"])
        defer { serve.stop() }
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        let ids = try await SQL.column(db, "SELECT id::text AS id_text FROM crm.customers WHERE territory_code = 'DE-BY' ORDER BY crm.customers.id LIMIT 5").compactMap { $0 }
        for (round, id) in ids.enumerated() {
            let name = "Read Your Writes \(round) \(UUID().uuidString.prefix(6))"
            let lsn = try await rename(db, id, to: name)
            let detail = try await serve.get("/v1/customers/\(id)", token: token, headers: after(lsn))
            #expect(detail.status == .ok && detail.body.contains(name), "round \(round): \(detail.status) \(detail.body.prefix(300))")
            #expect(detail.headers[APIHeaders.source] == "read-model")
            let list = try await serve.get("/v1/customers?territory=DE-BY&limit=200", token: token, headers: after(lsn))
            #expect(list.status == .ok && list.body.contains(name), "round \(round): the list misses its own write")
        }
        for bad in ["zz", "1/2/3", "0/", "/1", "0/123456789", "-1/2"] {
            let response = try await serve.get("/v1/customers/\(ids[0])", token: token, headers: after(bad))
            #expect(response.status == .badRequest && response.body.contains("Cutover-After-LSN"), "\(bad): \(response.status) \(response.body)")
        }
    }

    @Test("a frozen projector: 503 with Retry-After within the configured wait, or the legacy path when so configured; thawed, the read model answers")
    func frozenProjector() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let projector = try ProjectorHarness.process(db, name: "ryw")
        defer { projector.kill(SIGKILL) }
        try await ProjectorHarness.waitUntilCaughtUp(db)
        let strict = try await ServeProcess(db, settings: ["api.forceSource=read-model", "api.readYourWritesWaitMilliseconds=700",
                                                           "api.maxLagSeconds=600"])
        defer { strict.stop() }
        let lenient = try await ServeProcess(db, settings: ["api.forceSource=read-model", "api.readYourWritesWaitMilliseconds=700",
                                                            "api.readYourWritesFallback=legacy", "api.maxLagSeconds=600"])
        defer { lenient.stop() }
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        let id = try #require(try await SQL.scalar(db, "SELECT min(id)::text FROM crm.customers WHERE territory_code = 'DE-BY'"))

        kill(projector.pid, SIGSTOP)
        defer { kill(projector.pid, SIGCONT) }
        let name = "Frozen Read Your Writes \(UUID().uuidString.prefix(6))"
        let lsn = try await rename(db, id, to: name)
        let started = ContinuousClock.now
        let refused = try await strict.get("/v1/customers/\(id)", token: token, headers: after(lsn))
        #expect(refused.status == .serviceUnavailable && refused.headers[.retryAfter] != nil, "\(refused.status) \(refused.body)")
        #expect(refused.body.contains(lsn), "the problem names the position: \(refused.body)")
        #expect(ContinuousClock.now - started < .seconds(20), "the wait is bounded")
        let fallback = try await lenient.get("/v1/customers/\(id)", token: token, headers: after(lsn))
        #expect(fallback.status == .ok && fallback.body.contains(name), "\(fallback.status) \(fallback.body.prefix(300))")
        #expect(fallback.headers[APIHeaders.source] == "legacy" && fallback.headers[APIHeaders.projectionLag] == nil)

        kill(projector.pid, SIGCONT)
        var served = false
        for _ in 0..<40 where !served {
            let again = try await strict.get("/v1/customers/\(id)", token: token, headers: after(lsn))
            served = again.status == .ok && again.body.contains(name) && again.headers[APIHeaders.source] == "read-model"
            if !served { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(served, "thawed, the read model answers with the write")
    }
}
