import CutoverCore
import Logging
import PostgresNIO

/// Read-only access to the migration history for tools that do not run migrations.
public enum MigrationHistoryReader {
    /// Applied versioned files; empty when the history does not exist yet.
    public static func versions(_ connection: PostgresConnection, logger: Logger) async throws -> [AppliedMigration] {
        try await MigrationHistory.versions(connection, logger: logger)
    }
}
