import CutoverCore

/// The engine's own schema (`cutover`): the ordered steps this binary carries and installs with
/// `cutover init` / `cutover upgrade`, recorded in `cutover.engine_version`.
///
/// A step is never edited once released: a change is a new step at the end. Every step runs in one
/// transaction together with its version row, so a step is either installed or not; an interrupted
/// `init` or `upgrade` is completed by running it again.
public enum EngineSchema {
    public struct Step: Sendable, Equatable {
        /// 1, 2, …: the engine version the database has once this step is installed.
        public var version: Int
        public var name: String
        public var sql: String
        public var checksum: String { SHA256.hex(sql) }
    }

    /// The steps of this binary, oldest first: the files `SQL/engine/NNNN_name.sql`, numbered
    /// 1, 2, … without gaps (a new step is a new file; anything else is a packaging bug).
    public static let steps: [Step] = SQLResources.engineSteps().enumerated().map { index, file in
        let stem = file.filename.dropLast(".sql".count)
        guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version == index + 1 else {
            fatalError("engine step \(file.filename) is not numbered \(index + 1) (SQL/engine/NNNN_name.sql, 1, 2, … without gaps)")
        }
        return Step(version: version, name: String(stem[stem.index(after: underscore)...]), sql: file.text)
    }

    /// The engine version this binary installs.
    public static var version: Int { steps.last?.version ?? 0 }

    /// The version table, created by the first `init` before any step.
    static let versionTableDDL = """
        CREATE TABLE IF NOT EXISTS cutover.engine_version (
            version        integer PRIMARY KEY,
            name           text NOT NULL,
            checksum       text NOT NULL,
            installed_by   text NOT NULL DEFAULT session_user,
            installed_at   timestamptz NOT NULL DEFAULT now(),
            binary_version text NOT NULL,
            duration_ms    integer NOT NULL
        )
        """

    /// The advisory lock `init` and `upgrade` hold (two at once: one waits, then finds nothing to do).
    static let advisoryLockKey: Int64 = 0x6375_746F_7665_6E67  // "cutoveng"
}
