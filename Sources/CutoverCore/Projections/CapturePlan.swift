/// What `cutover projections apply` changes so that exactly the projections' source tables are
/// captured: decided from the projections and the capture the database has now, without I/O.
public struct CapturePlan: Sendable, Equatable {
    public enum Mode: String, Sendable { case wal, triggers }

    /// The capture a database has now.
    public struct Current: Sendable, Equatable {
        /// wal: the tables of the publication.
        public var publishedTables: Set<String> = []
        /// wal: the tables with REPLICA IDENTITY FULL (among those asked about).
        public var fullIdentityTables: Set<String> = []
        /// triggers: table -> the columns its capture function records (from its comment).
        public var triggerColumns: [String: [String]] = [:]

        public init(publishedTables: Set<String> = [], fullIdentityTables: Set<String> = [], triggerColumns: [String: [String]] = [:]) {
            self.publishedTables = publishedTables
            self.fullIdentityTables = fullIdentityTables
            self.triggerColumns = triggerColumns
        }
    }

    public enum Action: Sendable, Equatable {
        case publish(table: String)
        case unpublish(table: String)
        case fullIdentity(table: String)
        case defaultIdentity(table: String)
        case installTriggers(table: String, columns: [String])
        case removeTriggers(table: String)

        public var table: String {
            switch self {
            case .publish(let t), .unpublish(let t), .fullIdentity(let t), .defaultIdentity(let t), .installTriggers(let t, _), .removeTriggers(let t): t
            }
        }

        /// One line for people.
        public var description: String {
            switch self {
            case .publish(let t): "add \(t) to publication \(CaptureSQL.publication)"
            case .unpublish(let t): "remove \(t) from publication \(CaptureSQL.publication) (no projection reads it)"
            case .fullIdentity(let t): "ALTER TABLE \(t) REPLICA IDENTITY FULL (old rows of updates and deletes)"
            case .defaultIdentity(let t): "ALTER TABLE \(t) REPLICA IDENTITY DEFAULT (no longer captured)"
            case .installTriggers(let t, let columns): "install capture triggers on \(t) (columns \(columns.joined(separator: ", ")))"
            case .removeTriggers(let t): "remove capture triggers from \(t) (no projection reads it)"
            }
        }

        /// The statements, run in one short transaction.
        public var statements: [String] {
            switch self {
            case .publish(let t): ["ALTER PUBLICATION \(CaptureSQL.publication) ADD TABLE \(t)"]
            case .unpublish(let t): ["ALTER PUBLICATION \(CaptureSQL.publication) DROP TABLE \(t)"]
            case .fullIdentity(let t): ["ALTER TABLE \(t) REPLICA IDENTITY FULL"]
            case .defaultIdentity(let t): ["ALTER TABLE \(t) REPLICA IDENTITY DEFAULT"]
            case .installTriggers(let t, let columns): CaptureSQL.installTriggers(t, columns: columns)
            case .removeTriggers(let t): CaptureSQL.removeTriggers(t)
            }
        }

        /// Whether the table starts being captured (or captures more columns): changes before it
        /// were not captured, so the projections reading it are rebuilt.
        public var startsCapture: Bool {
            switch self {
            case .publish, .installTriggers: true
            default: false
            }
        }
    }

    public var mode: Mode
    public var actions: [Action]

    public init(mode: Mode, wanted: [(table: String, columns: [String])], current: Current) {
        self.mode = mode
        let wantedTables = Set(wanted.map(\.table))
        var actions: [Action] = []
        switch mode {
        case .wal:
            for (table, _) in wanted {
                if !current.fullIdentityTables.contains(table) { actions.append(.fullIdentity(table: table)) }
                if !current.publishedTables.contains(table) { actions.append(.publish(table: table)) }
            }
            for table in current.publishedTables.sorted() where !wantedTables.contains(table) {
                actions.append(.unpublish(table: table))
                actions.append(.defaultIdentity(table: table))
            }
            for table in current.triggerColumns.keys.sorted() { actions.append(.removeTriggers(table: table)) }
        case .triggers:
            for (table, columns) in wanted where current.triggerColumns[table] != columns {
                actions.append(.installTriggers(table: table, columns: columns))
            }
            for table in current.triggerColumns.keys.sorted() where !wantedTables.contains(table) {
                actions.append(.removeTriggers(table: table))
            }
        }
        self.actions = actions
    }

    public var isEmpty: Bool { actions.isEmpty }
}
