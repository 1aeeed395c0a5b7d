import CutoverCore
import CutoverPostgres
import Foundation
import HTTPTypes
import Testing

/// `cutover serve` while its database goes away and comes back: fast, honest answers and a
/// prompt exit, with a real server stopped and started by the test.
@Suite("Read API during a database outage", .serialized, .timeLimit(.minutes(5)))
struct OutageTests {
    @Test("down: /v1 answers 503 with Retry-After within seconds and ready agrees; back: service resumes; SIGINT mid-outage: exit within seconds")
    func outage() async throws {
        let server = try await PrivateCluster.start("outage", customers: 300, seed: 9)
        defer { server.destroy() }
        let db = server.db
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        // A projector beside it (readiness needs built read models); it rides the outage out too.
        try await ProjectorHarness.withProjector(db) {
            try await ProjectorHarness.waitUntilCaughtUp(db)
            try await outage(server, token: token)
        }
    }

    func outage(_ server: PrivateCluster, token: String) async throws {
        let db = server.db
        let serve = try await ServeProcess(db, settings: ["api.tokenCacheSeconds=0", "api.connectionWaitMilliseconds=2000"], logLevel: "info")
        defer { serve.stop() }
        let uri = "/v1/customers?territory=DE-BY&limit=1"
        #expect(try await serve.get(uri, token: token).status == .ok)
        var ready = false
        for _ in 0..<100 where !ready {
            ready = try await serve.get("/health/ready", token: nil).status == .ok
            if !ready { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(ready, "not ready before the outage")

        // Down: an answer within the connection wait (plus slack), a 503 problem with Retry-After.
        try await server.stop()
        for _ in 0..<3 {
            let start = ContinuousClock.now
            let answer = try await serve.get(uri, token: token)
            let took = ContinuousClock.now - start
            #expect(answer.status == .serviceUnavailable, "\(answer.status): \(answer.body)")
            #expect(answer.body.contains("service.unavailable"))
            #expect(answer.headers[.retryAfter] != nil)
            #expect(took < .seconds(10), "a request during the outage took \(took)")  // 2 s connection wait; 6.04 s seen on a loaded CI run
        }
        var notReady = false
        for _ in 0..<50 where !notReady {
            notReady = try await serve.get("/health/ready", token: nil).status == .serviceUnavailable
            if !notReady { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(notReady, "ready stayed 200 with the database down")
        // Long enough for the connection pool's circuit breaker to open (it once kept /v1 at 503
        // for ~15 s after the database was back).
        try await Task.sleep(for: .seconds(12))
        #expect(try await serve.get(uri, token: token).status == .serviceUnavailable)

        // Back: /v1 and ready recover, and agree.
        try await server.start()
        let back = ContinuousClock.now
        var readsBack: Duration?
        var readyBack: Duration?
        while ContinuousClock.now - back < .seconds(60), readsBack == nil || readyBack == nil {
            if readsBack == nil, try await serve.get(uri, token: token).status == .ok { readsBack = ContinuousClock.now - back }
            if readyBack == nil, try await serve.get("/health/ready", token: nil).status == .ok { readyBack = ContinuousClock.now - back }
            try await Task.sleep(for: .milliseconds(100))
        }
        let reads = try #require(readsBack, "/v1 did not recover within 60 s of the database accepting connections")
        #expect(readyBack != nil, "/health/ready did not recover")
        TestCluster.logger.notice("outage recovery", metadata: ["reads_after": "\(reads)", "ready_after": "\(String(describing: readyBack))"])
        // 1.5 s on a quiet machine; 20.7 s once in a fresh-clone CI run while the whole suite shared
        // 2 cores (the pool's reconnect backoff plus load). A read path that stays down is still caught.
        #expect(reads < .seconds(30), "/v1 answered again only \(reads) after the database was back")

        // SIGINT during an outage with a request in flight: the process still exits within seconds.
        try await server.stop()
        async let inFlight = try? serve.get(uri, token: token)
        try await Task.sleep(for: .milliseconds(300))
        let stopping = ContinuousClock.now
        let status = await serve.process.stop(SIGINT, within: .seconds(15))
        _ = await inFlight
        #expect(status == 0, "serve exited \(status.map(String.init) ?? "not within 15 s") after SIGINT: \(serve.process.output.suffix(2000))")
        #expect(ContinuousClock.now - stopping < .seconds(10))
        #expect(serve.process.output.contains("stopped"))
    }
}
