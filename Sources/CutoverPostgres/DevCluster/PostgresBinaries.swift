import Foundation

/// The PostgreSQL server programs (initdb, pg_ctl, postgres) of one installation.
///
/// Debian keeps them off the PATH; `pg_config --bindir` names their folder.
public struct PostgresBinaries: Sendable, Equatable {
    public var directory: String
    /// Major version, for example 15.
    public var majorVersion: Int

    public var initdb: String { directory + "/initdb" }
    public var pgCtl: String { directory + "/pg_ctl" }
    public var postgres: String { directory + "/postgres" }
    public var psql: String {
        let own = directory + "/psql"
        return FileManager.default.isExecutableFile(atPath: own) ? own : "/usr/bin/psql"
    }
    public var pgBasebackup: String { directory + "/pg_basebackup" }

    public init(directory: String, majorVersion: Int) {
        self.directory = directory
        self.majorVersion = majorVersion
    }

    /// Finds the binaries: `$CUTOVER_PG_BINDIR`, `pg_config --bindir`, `/usr/lib/postgresql/<n>/bin`, PATH.
    public static func locate() throws -> PostgresBinaries {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["CUTOVER_PG_BINDIR"], !explicit.isEmpty { candidates.append(explicit) }
        for pgConfig in ["/usr/bin/pg_config", "/usr/local/bin/pg_config"] where FileManager.default.isExecutableFile(atPath: pgConfig) {
            if let result = try? ProcessRunner(runAsUser: nil).run(pgConfig, ["--bindir"]), result.succeeded {
                candidates.append(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        let debianRoot = "/usr/lib/postgresql"
        if let versions = try? FileManager.default.contentsOfDirectory(atPath: debianRoot) {
            for v in versions.compactMap(Int.init).sorted(by: >) { candidates.append("\(debianRoot)/\(v)/bin") }
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") { candidates.append(String(dir)) }
        for dir in candidates {
            let fm = FileManager.default
            guard fm.isExecutableFile(atPath: dir + "/initdb"), fm.isExecutableFile(atPath: dir + "/pg_ctl"),
                  fm.isExecutableFile(atPath: dir + "/postgres") else { continue }
            guard let out = try? ProcessRunner(runAsUser: nil).run(dir + "/pg_ctl", ["--version"]), out.succeeded,
                  let major = Self.majorVersion(from: out.output) else { continue }
            if major < 13 { continue }
            return PostgresBinaries(directory: dir, majorVersion: major)
        }
        throw DatabaseError(.binariesMissing,
                            "PostgreSQL server programs (initdb, pg_ctl, postgres; version 13 or newer, 15 recommended) were not found in `pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH. Install them with: apt-get update && apt-get install -y postgresql libpq-dev (or set CUTOVER_PG_BINDIR)")
    }

    /// "pg_ctl (PostgreSQL) 15.18 (Debian …)" -> 15
    static func majorVersion(from text: String) -> Int? {
        guard let range = text.range(of: ") ") else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }
}
