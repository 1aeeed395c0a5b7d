import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// Runs the built `cutover` binary and checks exit codes and messages for bad input.
@Suite("cutover command line", .timeLimit(.minutes(5)))
struct CLITests {
    static var binary: String {
        let sibling = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/cutover"
        if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        return TestCluster.repositoryRoot + "/.build/debug/cutover"
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// ``cutover(_:environment:directory:)`` on a Dispatch thread: for commands that may wait long
    /// (`init` creating a replication slot waits for every open transaction of the cluster,
    /// `projector wait`), so the wait cannot starve Swift's cooperative pool, on which the suite's
    /// own sessions must finish the transactions the command waits for.
    func offPool(_ args: [String], environment: [String: String] = [:], directory: String = TestCluster.repositoryRoot) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.cutover(args, environment: environment, directory: directory) })
            }
        }
    }

    func cutover(_ args: [String], environment: [String: String] = [:], directory: String = TestCluster.repositoryRoot) throws -> Run {
        let binary = Self.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the CLI first (swift build): \(binary) is missing")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CUTOVER_") }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test("unreachable database: exit 69, URL with the password hidden, hint to run cutover dev up")
    func unreachableDatabase() throws {
        let port = FreePort.find()!
        let run = try cutover(["migrate", "status", "--database-url", "postgres://someone:topsecret@127.0.0.1:\(port)/crm"])
        #expect(run.status == 69)
        #expect(run.stderr.contains("127.0.0.1:\(port)") && run.stderr.contains("cutover dev up"))
        #expect(!run.stderr.contains("topsecret") && !run.stdout.contains("topsecret"))
    }

    @Test("configuration errors exit 78 and name the key")
    func configErrors() throws {
        let unknown = try cutover(["config", "--set", "http.prot=1"])
        #expect(unknown.status == 78 && unknown.stderr.contains("http.prot"))
        let env = try cutover(["config"], environment: ["CUTOVER_HTTP_PORT": "abc"])
        #expect(env.status == 78 && env.stderr.contains("CUTOVER_HTTP_PORT"))
        let ok = try cutover(["config"])
        #expect(ok.status == 0 && ok.stdout.contains("configuration is valid"))
    }

    @Test("malformed migration files exit 65 and name the file")
    func malformedMigrations() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = NSTemporaryDirectory() + "cutover-cli-migrations-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "CREATE TABLE x (id int);".write(toFile: dir + "/V001__no_header.sql", atomically: true, encoding: .utf8)
        let run = try cutover(["migrate", "--database-url", target.url.urlWithPassword, "--set", "migrations.directory=\(dir)"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("V001__no_header.sql") && run.stderr.contains("phase"))
        try FileManager.default.removeItem(atPath: dir + "/V001__no_header.sql")
        try "-- phase: expand\nSELECT 'unterminated;".write(toFile: dir + "/V1__bad.sql", atomically: true, encoding: .utf8)
        try "-- phase: expand\nSELECT 1;".write(toFile: dir + "/add_thing.sql", atomically: true, encoding: .utf8)
        let both = try cutover(["migrate", "--database-url", target.url.urlWithPassword, "--set", "migrations.directory=\(dir)"])
        #expect(both.status == 65 && both.stderr.contains("unterminated string") && both.stderr.contains("add_thing.sql"))
    }

    @Test("migrate, status and a checksum drift through the CLI")
    func migrateThroughCLI() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = NSTemporaryDirectory() + "cutover-cli-migrations-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "-- phase: expand\nCREATE TABLE t (id int);\n".write(toFile: dir + "/V001__t.sql", atomically: true, encoding: .utf8)
        let args = ["--database-url", target.url.urlWithPassword, "--set", "migrations.directory=\(dir)"]
        let up = try cutover(["migrate", "up"] + args)
        #expect(up.status == 0 && up.stdout.contains("V001__t.sql"))
        let status = try cutover(["migrate", "status"] + args)
        #expect(status.status == 0 && status.stdout.contains("applied"))
        try "-- phase: expand\nCREATE TABLE t (id bigint);\n".write(toFile: dir + "/V001__t.sql", atomically: true, encoding: .utf8)
        let drift = try cutover(["migrate", "status"] + args)
        #expect(drift.status == 65 && drift.stdout.contains("CHECKSUM DRIFT"))
        let refused = try cutover(["migrate", "up"] + args)
        #expect(refused.status == 65 && refused.stderr.contains("V001__t.sql") && refused.stderr.contains("changed after it was applied"))
    }

    @Test("bad arguments: unknown subcommand and a bad seed size are usage errors")
    func usageErrors() throws {
        let unknown = try cutover(["frobnicate"])
        #expect(unknown.status == 64)
        let seed = try cutover(["seed", "--customers", "0", "--database-url", "postgres://x@127.0.0.1:1/x"])
        #expect(seed.status == 64 && seed.stderr.contains("--customers"))
    }

    @Test("tokens revoke: the whole token (only its prefix is printed), an unambiguous prefix; an ambiguous prefix lists the candidates, exit 64")
    func revokeTokens() async throws {
        let db = try await TestCluster.shared.migratedDatabase()
        let url = ["--database-url", db.url.urlWithPassword]
        let whole = try await APIHarness.token(db, territories: ["*"])
        let second = try await APIHarness.token(db, territories: ["*"])
        let third = try await APIHarness.token(db, territories: ["*"])
        func active(_ token: String) async throws -> Bool {
            try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.api_tokens WHERE prefix = '\(APIToken.prefix(token))' AND revoked_at IS NULL") == "1"
        }

        let revoked = try cutover(["tokens", "revoke", whole] + url)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout.contains(APIToken.prefix(whole)), "\(revoked.stdout)")
        #expect(!revoked.stdout.contains(whole) && !revoked.stderr.contains(whole))
        #expect(try await !active(whole))
        let again = try cutover(["tokens", "revoke", whole] + url)
        #expect(again.status == 64 && again.stderr.contains("no active token") && !again.stderr.contains(whole), "\(again.stderr)")

        let ambiguous = try cutover(["tokens", "revoke", "cutover_"] + url)
        #expect(ambiguous.status == 64, "\(ambiguous.stderr)")
        for token in [second, third] {
            let id = try #require(try await SQL.scalar(db, "SELECT id::text FROM cutover.api_tokens WHERE prefix = '\(APIToken.prefix(token))'"))
            #expect(ambiguous.stderr.contains("id \(id) (\(APIToken.prefix(token))"), "\(ambiguous.stderr)")
            #expect(try await active(token))
        }
        var length = APIToken.scheme.count + 1
        while second.prefix(length) == third.prefix(length) { length += 1 }
        let prefix = try cutover(["tokens", "revoke", String(second.prefix(length))] + url)
        #expect(prefix.status == 0, "\(prefix.stderr)")
        #expect(try await !active(second))
        #expect(try await active(third))
        #expect(try cutover(["tokens", "revoke", "cutover_zz"] + url).status == 64)
    }

    @Test("flags: a database failure exits 69, not 65 (bad input); --subject must be user:<id> or token:<id> (exit 64)")
    func flagsExitCodes() async throws {
        let db = try await TestCluster.shared.migratedDatabase()
        let url = ["--database-url", db.url.urlWithPassword]
        let bogus = try cutover(["flags", "get", "customer_reads", "--subject", "bogus"] + url)
        #expect(bogus.status == 64 && bogus.stderr.contains("user:<crm user id> or token:<token id>"), "\(bogus.stderr)")
        let subject = try cutover(["flags", "get", "customer_reads", "--subject", "user:7"] + url)
        #expect(subject.status == 0 && subject.stdout.contains("STATE FOR user:7"), "\(subject.stderr)")
        // The database refuses writes, as a standby would: the input is fine, the database is not available for it.
        try await SQL.exec(db, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', current_database()); END $$")
        let refused = try cutover(["flags", "set", "customer_reads", "shadow", "--module", "02", "--reason", "read-only drill"] + url)
        #expect(refused.status == 69, "\(refused.status): \(refused.stderr)")
        #expect(refused.stderr.contains("read-only"), "\(refused.stderr)")
    }
}
