/// The type of a configuration value.
public enum ConfigValueType: String, Sendable {
    case string, int, bool, double
}

/// A typed configuration value, after parsing.
public enum ConfigScalar: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case bool(Bool)
    case double(Double)

    public var description: String {
        switch self {
        case .string(let s): s
        case .int(let i): "\(i)"
        case .bool(let b): "\(b)"
        case .double(let d): "\(d)"
        }
    }
}

/// One known configuration key.
public struct ConfigKeySpec: Sendable {
    /// Dotted key as written in YAML nesting (`database.port`); environment variable
    /// `CUTOVER_DATABASE_PORT`; CLI `--set database.port=5433`.
    public var key: String
    public var type: ConfigValueType
    public var defaultValue: ConfigScalar?
    public var secret: Bool
    public var summary: String

    public init(_ key: String, _ type: ConfigValueType, _ defaultValue: ConfigScalar?, secret: Bool = false, _ summary: String) {
        self.key = key
        self.type = type
        self.defaultValue = defaultValue
        self.secret = secret
        self.summary = summary
    }

    /// The environment variable that overrides this key.
    public var environmentVariable: String {
        "CUTOVER_" + key.split(separator: ".").map { part in
            // camelCase -> CAMEL_CASE
            var out = ""
            for ch in part {
                if ch.isUppercase, !out.isEmpty { out += "_" }
                out += ch.uppercased()
            }
            return out
        }.joined(separator: "_")
    }
}

/// Every configuration key Cutover understands. Unknown keys in a file are an error.
public enum ConfigSchema {
    public static let keys: [ConfigKeySpec] = [
        .init("database.url", .string, nil, secret: true,
              "postgres://user:password@host:port/database; overrides the separate database.* fields"),
        .init("database.host", .string, .string("127.0.0.1"), "database host"),
        .init("database.port", .int, .int(5432), "database port"),
        .init("database.user", .string, .string("cutover"), "database user"),
        .init("database.password", .string, nil, secret: true, "database password"),
        .init("database.name", .string, .string("cutover"), "database name"),
        .init("database.poolSize", .int, .int(8), "connections in the pool"),
        .init("database.connectTimeoutSeconds", .double, .double(5), "connect timeout"),
        .init("database.tls", .string, .string("disable"), "disable | prefer | require"),
        .init("http.host", .string, .string("127.0.0.1"), "read API bind address"),
        .init("http.port", .int, .int(8080), "read API port (0 = any free port)"),
        .init("api.forceSource", .string, .string(""), "empty: the reader flags decide per module and view; read-model | legacy: serve every read from that source and ignore the flags (benchmarks, emergencies; logged at start)"),
        .init("api.maxLagSeconds", .double, .double(5), "readiness fails when a projection lags more than this (plus its coalescing interval)"),
        .init("api.connectionWaitMilliseconds", .int, .int(2000), "a request that cannot get a database connection within this answers 503 with Retry-After (database down or restarting, pool exhausted)"),
        .init("api.readModelStatementTimeoutMilliseconds", .int, .int(2000), "statements of the read API's sessions are cancelled after this (read-model reads; 503 with Retry-After)"),
        .init("api.legacyStatementTimeoutMilliseconds", .int, .int(10000), "each statement of a legacy read is cancelled after this (503 with Retry-After)"),
        .init("api.legacyConcurrency", .int, .int(8), "legacy reads running at once per server, at most; more answer 503 with Retry-After at once instead of queueing"),
        .init("api.readYourWritesWaitMilliseconds", .int, .int(2000), "a read with Cutover-After-LSN waits at most this for the serving projection to apply that WAL position"),
        .init("api.readYourWritesFallback", .string, .string("unavailable"), "when that wait runs out: unavailable (503 with Retry-After) or legacy (the legacy queries answer; they read the write tables)"),
        .init("api.replicaUrl", .string, nil, secret: true, "postgres://… of a hot standby to serve reads from (the primary still checks tokens)"),
        .init("api.tokenCacheSeconds", .double, .double(2), "how long a checked token is trusted before it is looked up again (revocation delay)"),
        .init("flags.refreshSeconds", .double, .double(5), "reload flags this often even without a notification (LISTEN is the fast path)"),
        .init("flags.maxStalenessSeconds", .double, .double(30), "readiness fails when the flags could not be reloaded for this long"),
        .init("flags.startupWaitSeconds", .double, .double(10), "how long reads wait for the first flag load after start before answering 503"),
        .init("shadow.recheckMilliseconds", .int, .int(300), "a shadow mismatch is read again after this delay and counted only if it persists (projection lag)"),
        .init("shadow.queueSize", .int, .int(256), "shadow comparisons waiting at most; more are skipped and counted"),
        .init("rollback.enabled", .bool, .bool(true), "flip a module's reader flag back to legacy when the read model misbehaves"),
        .init("rollback.windowSeconds", .double, .double(60), "sliding window of the automatic rollback's measurements"),
        .init("rollback.p95Milliseconds", .double, .double(200), "read-model p95 latency above this in the window rolls back"),
        .init("rollback.maxErrorRate", .double, .double(0.05), "read-model error share above this in the window rolls back"),
        .init("rollback.maxMismatchRate", .double, .double(0.01), "shadow mismatch share above this in the window rolls back"),
        .init("rollback.minRequests", .int, .int(20), "reads needed in the window before latency or errors can roll back"),
        .init("rollback.minComparisons", .int, .int(20), "shadow comparisons needed in the window before mismatches can roll back"),
        .init("projector.batchSize", .int, .int(500), "change-log rows per projector batch"),
        .init("projector.maxLatencyMilliseconds", .int, .int(20), "longest a change waits to be batched"),
        .init("projector.fallbackPollMilliseconds", .int, .int(250), "poll interval when no notification arrives"),
        .init("dev.dataDirectory", .string, .string(".cutover/pg"), "data folder of the embedded dev cluster"),
        .init("dev.port", .int, .int(0), "port of the embedded dev cluster (0 = a free port)"),
        .init("migrations.directory", .string, .string("migrations"), "folder of migration files"),
        .init("migrations.blackouts", .string, .string("config/blackouts.yaml"), "business calendar of blackout periods; one that cannot be read stops every command consulting it; none = no blackouts"),
        .init("migrations.lockTimeoutMilliseconds", .int, .int(1000), "lock_timeout of every migration statement; a timeout is retried"),
        .init("migrations.lockRetries", .int, .int(10), "tries per statement or file when lock_timeout strikes (jittered exponential backoff)"),
        .init("migrations.statementTimeoutSeconds", .int, .int(600), "statement_timeout of every migration statement (0 = none)"),
        .init("projections.directory", .string, .string("projections"), "folder of projection definitions"),
        .init("readers.territories", .string, nil, "the application's directory: a query whose one column lists every territory code (what a '*' grant means); stored by cutover init / upgrade"),
        .init("readers.users", .string, nil, "the application's directory: a query with columns id, e-mail, is-manager, one row per user readers and tokens may act as; stored by cutover init / upgrade"),
        .init("log.level", .string, .string("info"), "trace | debug | info | notice | warning | error | critical"),
    ]

    /// Keys naming files or folders. A relative value from a configuration file is relative to
    /// that file's folder; from the command line, the environment or the defaults, to the working
    /// directory.
    public static let pathKeys: Set<String> = ["dev.dataDirectory", "migrations.directory", "migrations.blackouts", "projections.directory"]

    /// The value of `migrations.blackouts` that means "no blackout calendar" (not a file name).
    public static let noBlackouts = "none"

    /// The spec for `key`, if it is known.
    public static func spec(for key: String) -> ConfigKeySpec? { keys.first { $0.key == key } }

    /// Known top-level sections (`database`, `http`, …).
    public static var sections: Set<String> { Set(keys.compactMap { $0.key.split(separator: ".").first.map(String.init) }) }

    /// The closest known key to `key`, for "did you mean" hints.
    public static func suggestion(for key: String) -> String? {
        EditDistance.closest(to: key, among: keys.map(\.key))
    }
}
