/// Checks a projection definition before anything touches the database; every problem names
/// the projection folder and the file.
public struct ProjectionValidator: Sendable {
    /// Tables that exist in the write model, to catch typos in `sources`.
    public var knownTables: Set<String>
    /// The projections folder as configured (`projections.directory`), named in every error.
    public var directory: String

    public init(knownTables: Set<String>, directory: String = "projections") {
        self.knownTables = knownTables
        self.directory = directory
    }

    public func validate(_ p: ProjectionDefinition) throws(CoreError) {
        func fail(_ file: String, _ why: String) -> CoreError {
            CoreError(.invalidProjection, "\(directory)/\(p.name)/\(file): \(why)", context: ["projection": p.name, "file": file])
        }
        guard !p.name.isEmpty, p.name.allSatisfy({ $0.isSnakeCaseCharacter }), p.name.first?.isLetter == true else {
            throw fail("projection.yaml", "name \"\(p.name)\" must be snake_case")
        }
        guard p.version >= 1 else { throw fail("projection.yaml", "version must be a positive integer") }
        guard !p.sources.isEmpty else { throw fail("projection.yaml", "sources: at least one source table is required") }
        guard p.primaryKey.contains(p.keyColumn) else {
            throw fail("projection.yaml", "primaryKey \(p.primaryKey) must contain the key column \(p.keyColumn)")
        }
        var seen = Set<String>()
        for source in p.sources {
            guard source.table.split(separator: ".").count == 2 else {
                throw fail("projection.yaml", "source table \"\(source.table)\" must be schema-qualified, e.g. crm.customers")
            }
            guard knownTables.isEmpty || knownTables.contains(source.table) else {
                throw fail("projection.yaml", "unknown source table \(source.table); known: \(knownTables.sorted().joined(separator: ", "))")
            }
            guard seen.insert(source.table).inserted else { throw fail("projection.yaml", "source table \(source.table) is listed twice") }
            guard source.capturedColumn.allSatisfy({ $0.isSnakeCaseCharacter }), !source.capturedColumn.isEmpty else {
                throw fail("projection.yaml", "source \(source.table): column \"\(source.capturedColumn)\" is not a plain column name")
            }
            if case .query(_, let sql) = source.mapping, !sql.contains("$1") {
                throw fail("projection.yaml", "source \(source.table): the key query must use $1 (the changed rows' values)")
            }
        }
        let ddl = p.tableSQL.lowercased()
        guard ddl.contains("{{table}}"), ddl.contains("create table") else {
            throw fail("table.sql", "must hold CREATE TABLE {{table}} (…)")
        }
        // Fail closed: a read table without row-level security would show every row through its view.
        guard ddl.replacingAll("\n", with: " ").contains("alter table {{table}} enable row level security") else {
            throw fail("table.sql", "must enable row-level security (ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY) and declare the policies readers get; without a policy a reader sees no rows")
        }
        let recompute = p.recomputeSQL.lowercased()
        guard recompute.contains("$1") else { throw fail("recompute.sql", "must restrict to the requested keys with $1, e.g. WHERE id = ANY($1)") }
        guard recompute.trimmingWhitespace().hasPrefix("select") || recompute.trimmingWhitespace().hasPrefix("with")
            || recompute.trimmingWhitespace().hasPrefix("--") else {
            throw fail("recompute.sql", "must be one SELECT")
        }
        let problem: (construct: String, line: Int)?
        do {
            problem = try DeterminismCheck.firstProblem(in: p.recomputeSQL)
        } catch {
            throw fail("recompute.sql", error.message)
        }
        if let problem {
            throw fail("recompute.sql", "line \(problem.line): uses \(problem.construct): read models must be a deterministic function of the write tables; store dates and let readers compare with the clock")
        }
        guard !p.allKeysSQL.isEmpty else { throw fail("projection.yaml", "key.all: a query returning every key is required for full builds") }
    }
}
