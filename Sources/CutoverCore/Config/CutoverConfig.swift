/// The validated configuration of a Cutover process.
///
/// Built from typed values gathered by the loader (file, environment, command line) and checked
/// here: ranges, enumerations, URL syntax. Every error names the key and where it came from.
public struct CutoverConfig: Sendable, Equatable {
    public struct Database: Sendable, Equatable {
        /// Where to connect (callers use the running dev cluster instead when ``isExplicit`` is false).
        public var url: DatabaseURL
        /// Whether a connection key (url, host, port, user, password, name) was set explicitly.
        public var isExplicit: Bool
        public var poolSize: Int
        public var connectTimeoutSeconds: Double
    }

    public struct HTTP: Sendable, Equatable {
        public var host: String
        public var port: Int
    }

    public struct API: Sendable, Equatable {
        /// Serve every read from this source and ignore the reader flags (nil: the flags decide).
        public var forceSource: ReadSource?
        public var maxLagSeconds: Double
        public var replicaURL: DatabaseURL?
        public var tokenCacheSeconds: Double
        /// How long a request waits for a database connection before it answers 503.
        public var connectionWaitMilliseconds: Int = 2_000
        /// Statement timeouts of the two read paths.
        public var readModelStatementTimeoutMilliseconds: Int = 2_000
        public var legacyStatementTimeoutMilliseconds: Int = 10_000
        /// Legacy reads at once per server, at most.
        public var legacyConcurrency: Int = 8
        /// How long a read with `Cutover-After-LSN` waits for its projection to apply that position.
        public var readYourWritesWaitMilliseconds: Int = 2_000
        /// What answers when that wait runs out.
        public var readYourWritesFallback: ReadYourWritesFallback = .unavailable

        public enum ReadYourWritesFallback: String, Sendable, CaseIterable {
            /// 503 with `Retry-After`.
            case unavailable
            /// The legacy queries answer (they read the write tables, so they are current).
            case legacy
        }
    }

    public struct Projector: Sendable, Equatable {
        public var batchSize: Int
        public var maxLatencyMilliseconds: Int
        public var fallbackPollMilliseconds: Int
    }

    public struct Dev: Sendable, Equatable {
        public var dataDirectory: String
        public var port: Int
    }

    public var database: Database
    public var http: HTTP
    public var projector: Projector
    public var api: API
    public var dev: Dev
    public var migrationsDirectory: String
    /// Path of the blackout calendar (`config/blackouts.yaml`).
    public var blackoutsFile: String
    /// Migration lock and statement timeouts and lock-timeout retries.
    public var migrationTimeouts: MigrationTimeouts
    public var projectionsDirectory: String
    public var logLevel: String
    /// Flag loading and propagation.
    public var flags: Flags
    /// Shadow comparisons.
    public var shadow: Shadow
    /// Automatic rollback thresholds.
    public var rollback: AutoRollbackThresholds
    /// The application's directory queries (`readers.territories`, `readers.users`), `nil` when unset.
    public var directory: ReaderDirectory

    public struct Flags: Sendable, Equatable {
        public var refreshSeconds: Double
        public var maxStalenessSeconds: Double
        public var startupWaitSeconds: Double
    }

    public struct Shadow: Sendable, Equatable {
        public var recheckMilliseconds: Int
        public var queueSize: Int
    }

    /// Where each value came from, for error messages ("config/cutover.yaml", "CUTOVER_HTTP_PORT", "--set").
    public typealias SourceLookup = @Sendable (String) -> String

    /// Builds the configuration from resolved values (defaults already applied by the caller or here).
    public init(values: [String: ConfigScalar], explicitKeys: Set<String>, source: SourceLookup = { _ in "defaults" }) throws(CoreError) {
        func value(_ key: String) -> ConfigScalar? { values[key] ?? ConfigSchema.spec(for: key)?.defaultValue }
        func string(_ key: String) -> String? { if case .string(let s)? = value(key) { return s }; return nil }
        func int(_ key: String) -> Int { if case .int(let i)? = value(key) { return i }; return 0 }
        func double(_ key: String) -> Double {
            switch value(key) { case .double(let d)?: return d; case .int(let i)?: return Double(i); default: return 0 }
        }
        func bad(_ key: String, _ why: String) -> CoreError {
            CoreError(.invalidConfigValue, "\(source(key)): \(key) \(why)", context: ["key": key, "source": source(key)])
        }
        func port(_ key: String, allowZero: Bool) throws(CoreError) -> Int {
            let p = int(key)
            guard (allowZero ? 0 : 1)...65535 ~= p else { throw bad(key, "must be a port number \(allowZero ? "0" : "1")–65535, got \(p)") }
            return p
        }
        func positive(_ key: String, max: Int) throws(CoreError) -> Int {
            let v = int(key)
            guard 1...max ~= v else { throw bad(key, "must be between 1 and \(max), got \(v)") }
            return v
        }

        let tls = string("database.tls") ?? "disable"
        guard ["disable", "prefer", "require"].contains(tls) else { throw bad("database.tls", "must be disable, prefer or require, got \"\(tls)\"") }
        var url: DatabaseURL
        if let text = string("database.url"), !text.isEmpty {
            do { url = try DatabaseURL(parsing: text) } catch {
                throw CoreError(.invalidDatabaseURL, "\(source("database.url")): database.url: \(error.message)",
                                context: ["key": "database.url", "source": source("database.url")])
            }
        } else {
            url = DatabaseURL(host: string("database.host") ?? "127.0.0.1", port: try port("database.port", allowZero: false),
                              user: string("database.user") ?? "cutover", password: string("database.password"),
                              database: string("database.name") ?? "cutover", tls: tls)
        }
        if url.tls == "disable" { url.tls = tls }
        let timeout = double("database.connectTimeoutSeconds")
        guard timeout > 0, timeout <= 600 else { throw bad("database.connectTimeoutSeconds", "must be greater than 0 and at most 600") }
        self.database = Database(url: url, isExplicit: !explicitKeys.isDisjoint(with: Self.connectionKeys),
                                 poolSize: try positive("database.poolSize", max: 512), connectTimeoutSeconds: timeout)
        self.http = HTTP(host: string("http.host") ?? "127.0.0.1", port: try port("http.port", allowZero: true))
        let forced = string("api.forceSource") ?? ""
        guard forced.isEmpty || ReadSource(rawValue: forced) != nil else {
            throw bad("api.forceSource", "must be empty (the flags decide), read-model or legacy, got \"\(forced)\"")
        }
        func fallback() throws(CoreError) -> API.ReadYourWritesFallback {
            let text = string("api.readYourWritesFallback") ?? "unavailable"
            guard let value = API.ReadYourWritesFallback(rawValue: text) else {
                throw bad("api.readYourWritesFallback", "must be unavailable or legacy, got \"\(text)\"")
            }
            return value
        }
        let maxLag = double("api.maxLagSeconds")
        guard maxLag > 0, maxLag <= 86_400 else { throw bad("api.maxLagSeconds", "must be greater than 0 and at most 86400") }
        let cacheSeconds = double("api.tokenCacheSeconds")
        guard cacheSeconds >= 0, cacheSeconds <= 3_600 else { throw bad("api.tokenCacheSeconds", "must be from 0 to 3600") }
        var replica: DatabaseURL?
        if let text = string("api.replicaUrl"), !text.isEmpty {
            do { replica = try DatabaseURL(parsing: text) } catch {
                throw CoreError(.invalidDatabaseURL, "\(source("api.replicaUrl")): api.replicaUrl: \(error.message)",
                                context: ["key": "api.replicaUrl", "source": source("api.replicaUrl")])
            }
        }
        self.api = API(forceSource: ReadSource(rawValue: forced), maxLagSeconds: maxLag, replicaURL: replica, tokenCacheSeconds: cacheSeconds,
                       connectionWaitMilliseconds: try positive("api.connectionWaitMilliseconds", max: 600_000),
                       readModelStatementTimeoutMilliseconds: try positive("api.readModelStatementTimeoutMilliseconds", max: 3_600_000),
                       legacyStatementTimeoutMilliseconds: try positive("api.legacyStatementTimeoutMilliseconds", max: 3_600_000),
                       legacyConcurrency: try positive("api.legacyConcurrency", max: 10_000),
                       readYourWritesWaitMilliseconds: try positive("api.readYourWritesWaitMilliseconds", max: 60_000),
                       readYourWritesFallback: try fallback())
        self.projector = Projector(batchSize: try positive("projector.batchSize", max: 100_000),
                                   maxLatencyMilliseconds: try positive("projector.maxLatencyMilliseconds", max: 60_000),
                                   fallbackPollMilliseconds: try positive("projector.fallbackPollMilliseconds", max: 3_600_000))
        let dataDirectory = string("dev.dataDirectory") ?? ".cutover/pg"
        guard !dataDirectory.isEmpty else { throw bad("dev.dataDirectory", "must not be empty") }
        self.dev = Dev(dataDirectory: dataDirectory, port: try port("dev.port", allowZero: true))
        self.migrationsDirectory = string("migrations.directory") ?? "migrations"
        self.blackoutsFile = string("migrations.blackouts") ?? "config/blackouts.yaml"
        let lockMs = int("migrations.lockTimeoutMilliseconds")
        guard lockMs >= 1 else { throw bad("migrations.lockTimeoutMilliseconds", "must be at least 1 (a migration must never wait without limit)") }
        let retries = int("migrations.lockRetries")
        guard (1...100).contains(retries) else { throw bad("migrations.lockRetries", "must be between 1 and 100") }
        let statementSeconds = int("migrations.statementTimeoutSeconds")
        guard statementSeconds >= 0 else { throw bad("migrations.statementTimeoutSeconds", "must be 0 (none) or more") }
        self.migrationTimeouts = MigrationTimeouts(lockTimeoutMilliseconds: lockMs, lockRetries: retries, statementTimeoutSeconds: statementSeconds)
        self.projectionsDirectory = string("projections.directory") ?? "projections"
        func seconds(_ key: String, max: Double) throws(CoreError) -> Double {
            let v = double(key)
            guard v > 0, v <= max else { throw bad(key, "must be greater than 0 and at most \(max), got \(v)") }
            return v
        }
        func rate(_ key: String) throws(CoreError) -> Double {
            let v = double(key)
            guard v >= 0, v <= 1 else { throw bad(key, "must be a share from 0 to 1, got \(v)") }
            return v
        }
        self.flags = Flags(refreshSeconds: try seconds("flags.refreshSeconds", max: 3_600), maxStalenessSeconds: try seconds("flags.maxStalenessSeconds", max: 86_400),
                           startupWaitSeconds: try seconds("flags.startupWaitSeconds", max: 600))
        let recheck = int("shadow.recheckMilliseconds")
        guard (0...60_000).contains(recheck) else { throw bad("shadow.recheckMilliseconds", "must be from 0 to 60000, got \(recheck)") }
        self.shadow = Shadow(recheckMilliseconds: recheck, queueSize: try positive("shadow.queueSize", max: 100_000))
        var enabled = true
        if case .bool(let b)? = value("rollback.enabled") { enabled = b }
        self.rollback = AutoRollbackThresholds(enabled: enabled, windowSeconds: try seconds("rollback.windowSeconds", max: 3_600),
                                               p95Milliseconds: try seconds("rollback.p95Milliseconds", max: 600_000),
                                               maxErrorRate: try rate("rollback.maxErrorRate"), maxMismatchRate: try rate("rollback.maxMismatchRate"),
                                               minRequests: try positive("rollback.minRequests", max: 1_000_000),
                                               minComparisons: try positive("rollback.minComparisons", max: 1_000_000))
        func query(_ key: String) -> String? {
            guard let raw = string(key) else { return nil }
            var text = Substring(raw).drop(while: \.isWhitespace)
            while let last = text.last, last.isWhitespace || last == ";" { text = text.dropLast() }
            return text.isEmpty ? nil : String(text)
        }
        self.directory = ReaderDirectory(territoriesQuery: query("readers.territories"), usersQuery: query("readers.users"))
        let level = string("log.level") ?? "info"
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(level) else { throw bad("log.level", "must be one of \(levels.joined(separator: ", ")), got \"\(level)\"") }
        self.logLevel = level
    }

    /// Keys that choose the server; setting any of them turns off the dev-cluster fallback.
    public static let connectionKeys: Set<String> = ["database.url", "database.host", "database.port", "database.user",
                                                     "database.password", "database.name"]

    /// The configuration with every default and nothing explicit.
    public static var defaults: CutoverConfig {
        // Defaults are valid by construction.
        try! CutoverConfig(values: [:], explicitKeys: [])
    }
}
