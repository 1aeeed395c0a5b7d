import CutoverCore
import CutoverPostgres
import Foundation
import HTTPTypes
import Testing

/// The legacy path under pressure: a statement timeout, and a concurrency limit that answers 503
/// at once instead of queueing (issue: reads without a timeout outlived their requests and queued
/// without bound behind an overloaded legacy path).
@Suite("Legacy reads are bounded", .timeLimit(.minutes(5)))
struct LegacyLimitsTests {
    @Test("a legacy read past its statement timeout is cancelled (503); past the concurrency limit a read gets 503 at once; then reads work again")
    func timeoutAndConcurrency() async throws {
        let db = try await TestCluster.shared.seededDatabase()
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        let serve = try await ServeProcess(db, settings: ["api.forceSource=legacy", "api.legacyConcurrency=1",
                                                          "api.legacyStatementTimeoutMilliseconds=4000", "api.tokenCacheSeconds=60"])
        defer { serve.stop() }
        let uri = "/v1/customers?territory=DE-BY&limit=1"
        #expect(try await serve.get(uri, token: token).status == .ok)

        // Another session holds a lock every legacy read of customers waits for.
        let blocker = try await Database.connect(db, logger: TestCluster.logger)
        _ = try await blocker.query("BEGIN", logger: TestCluster.logger)
        _ = try await blocker.query("LOCK TABLE crm.customers IN ACCESS EXCLUSIVE MODE", logger: TestCluster.logger)
        let started = ContinuousClock.now
        async let stuck = serve.get(uri, token: token)
        // The first read holds the one legacy slot once it waits for the lock (not after a fixed
        // sleep: on a loaded machine the request may not have reached the server yet).
        for _ in 0..<200 {
            if try await SQL.scalar(db, "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'cutover api' AND wait_event_type = 'Lock'") == "1" { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        let refusedStart = ContinuousClock.now
        let refused = try await serve.get(uri, token: token)
        #expect(refused.status == .serviceUnavailable, "\(refused.status): \(refused.body)")
        #expect(refused.body.contains("too many legacy reads"))
        #expect(refused.headers[.retryAfter] != nil)
        // Refused by the limit (the detail above), not queued behind the blocked read: that one
        // waits for its 4 s statement timeout (long enough for the
        // second read to arrive while the first still holds the slot on a loaded machine).
        #expect(ContinuousClock.now - refusedStart < .seconds(10), "the read past the limit took \(ContinuousClock.now - refusedStart)")

        let timedOut = try await stuck
        #expect(timedOut.status == .serviceUnavailable, "\(timedOut.status): \(timedOut.body)")
        #expect(timedOut.body.contains("statement timeout"))
        // Ended by its statement timeout, not by the blocker (which holds the lock until the
        // ROLLBACK below, so without the timeout it would never end); generous: a loaded fresh-clone
        // run took 18.2 s here with the 4 s timeout.
        #expect(ContinuousClock.now - started < .seconds(45), "the blocked read took \(ContinuousClock.now - started)")
        // The cancelled statement is gone from the server, not still waiting for the lock.
        let waiting = try await SQL.scalar(db, "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'cutover api' AND state = 'active'")
        #expect(waiting == "0")

        _ = try await blocker.query("ROLLBACK", logger: TestCluster.logger)
        try await blocker.close()
        #expect(try await serve.get(uri, token: token).status == .ok)
    }
}
