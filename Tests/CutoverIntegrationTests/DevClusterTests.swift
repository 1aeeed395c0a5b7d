import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// These start their own clusters (not the shared one) to exercise `cutover dev` behaviour.
@Suite("Dev cluster lifecycle", .serialized, .timeLimit(.minutes(10)))
struct DevClusterTests {
    func folder() throws -> String {
        let root = NSTemporaryDirectory() + "cutover-devtest-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return root + "/pg"
    }

    @Test("up starts and is idempotent; status reports; down stops and is idempotent; data survives")
    func lifecycle() async throws {
        let dir = try folder()
        var cluster = DevCluster(dataDirectory: dir, fastAndUnsafe: true, logger: TestCluster.logger)
        defer { cluster.destroy() }
        #expect(try cluster.status() == .notInitialized)
        let state = try await cluster.up()
        guard case .running(let running) = try cluster.status() else { Issue.record("not running after up"); return }
        #expect(running.port == state.port)
        let target = DatabaseTarget(url: state.url)
        try await SQL.exec(target, "CREATE TABLE kept (x int)", "INSERT INTO kept VALUES (42)")
        let again = try await cluster.up()
        #expect(again == state)
        try cluster.down()
        guard case .stopped = try cluster.status() else { Issue.record("not stopped after down"); return }
        try cluster.down()
        let restarted = try await cluster.up()
        #expect(restarted.port == state.port)
        #expect(try await SQL.scalar(DatabaseTarget(url: restarted.url), "SELECT x::text FROM kept") == "42")
        #expect(state.url.description.contains("***") && !state.url.description.contains(state.password))
    }

    @Test("a non-empty folder that is not a cluster is refused and left alone")
    func foreignFolder() async throws {
        let dir = try folder()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "mine".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        var cluster = DevCluster(dataDirectory: dir, logger: TestCluster.logger)
        await #expect {
            try await cluster.up()
        } throws: { ($0 as? DatabaseError)?.code == .dataDirectoryForeign }
        #expect(FileManager.default.fileExists(atPath: dir + "/notes.txt"))
    }

    @Test("a half-initialised folder is reported, nothing deleted")
    func halfInitialised() async throws {
        let dir = try folder()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "{\"port\":1,\"portIsAutomatic\":true,\"user\":\"cutover\",\"password\":\"x\",\"database\":\"cutover\",\"binDirectory\":\"/usr/lib/postgresql/15/bin\",\"majorVersion\":15,\"createdAt\":\"\"}"
            .write(toFile: dir + "/cutover-dev.json", atomically: true, encoding: .utf8)
        var cluster = DevCluster(dataDirectory: dir, logger: TestCluster.logger)
        await #expect {
            try await cluster.up()
        } throws: { ($0 as? DatabaseError)?.code == .dataDirectoryIncomplete }
        #expect(FileManager.default.fileExists(atPath: dir + "/cutover-dev.json"))
    }

    @Test("a configured port that is taken gives a clear error")
    func portInUse() async throws {
        let shared = try await TestCluster.shared.clusterState()
        let dir = try folder()
        var cluster = DevCluster(dataDirectory: dir, requestedPort: shared.port, fastAndUnsafe: true, logger: TestCluster.logger)
        defer { cluster.destroy() }
        await #expect {
            try await cluster.up()
        } throws: { error in
            guard let e = error as? DatabaseError else { return false }
            return e.code == .portInUse && e.message.contains("\(shared.port)")
        }
    }
}
