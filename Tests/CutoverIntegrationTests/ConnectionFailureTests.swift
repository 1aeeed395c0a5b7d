import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// A database that cannot be reached: every command names host, port and the cause (refused,
/// unknown host, timeout, login refused), exit 69, never PostgresNIO's generic error text.
@Suite("connection failures", .timeLimit(.minutes(5)))
struct ConnectionFailureTests {
    let cli = CLITests()
    static let commands: [[String]] = [["migrate", "status"], ["flags", "list"], ["projector", "status"], ["verify"],
                                       ["tokens", "list"], ["serve"], ["backfill", "status", "lead_assignments"]]

    func expectEveryCommand(_ url: String, names server: String, cause: String) throws {
        for command in Self.commands {
            let run = try cli.cutover(command + ["--database-url", url, "--set", "database.connectTimeoutSeconds=1"])
            #expect(run.status == 69, "\(command): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains("PostgreSQL at \(server) (") && run.stderr.contains(cause), "\(command): \(run.stderr)")
            #expect(!run.stderr.contains("PSQLError") && !run.stderr.contains("Generic description"), "\(command): \(run.stderr)")
        }
    }

    @Test("refused, unknown host and no answer name host, port and cause in every command")
    func unreachable() throws {
        let port = try #require(FreePort.find())
        try expectEveryCommand("postgres://someone:secret@127.0.0.1:\(port)/crm", names: "127.0.0.1:\(port)",
                               cause: "connection refused: nothing listens on that port")
        try expectEveryCommand("postgres://someone:secret@no-such-host.invalid:5432/crm", names: "no-such-host.invalid:5432",
                               cause: "host not found in DNS")
        // A socket that accepts connections and never answers: the connect timeout strikes.
        let silent = try ListenPortTests.HeldPort()
        defer { silent.close() }
        try expectEveryCommand("postgres://someone:secret@127.0.0.1:\(silent.port)/crm", names: "127.0.0.1:\(silent.port)",
                               cause: "no answer within 1 s (database.connectTimeoutSeconds)")
    }

    @Test("a wrong password names host, port, user and that the login was refused")
    func loginRefused() async throws {
        let db = try await TestCluster.shared.freshDatabase()
        var url = db.url
        url.password = "not-the-password"
        for command in Self.commands {
            let run = try cli.cutover(command + ["--database-url", url.urlWithPassword])
            #expect(run.status == 69, "\(command): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains("cannot log in to PostgreSQL at \(url.host):\(url.port) as \(url.user) (login refused: "), "\(command): \(run.stderr)")
            #expect(!run.stderr.contains("not-the-password"), "\(command): \(run.stderr)")
        }
    }
}
