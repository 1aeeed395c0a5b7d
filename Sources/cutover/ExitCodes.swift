import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation
import PostgresNIO

/// Maps errors to documented exit codes (sysexits style) and prints them for people.
enum CLIErrors {
    static let checkFailed: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let cannotCreate: Int32 = 73
    static let temporary: Int32 = 75
    static let config: Int32 = 78

    /// Runs `body`, turning Cutover errors into a one-line message on stderr and an exit code.
    ///
    /// - Parameter serverErrorCode: the exit code of a statement the server refused. For commands
    ///   whose SQL comes from files (migrations, seeds, backfills) that is bad input (65); commands
    ///   that run only their own statements (`flags`) pass ``unavailable``: the database failed, not the input.
    static func run(serverErrorCode: Int32 = dataError, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CoreError {
            fail(error.message, code: exitCode(error.code))
        } catch let error as DatabaseError {
            fail(error.message, code: error.code == .serverError ? serverErrorCode : exitCode(error.code))
        } catch let error as ExitCode {
            throw error
        } catch let error as PSQLError {
            let translated = Database.translate(error, doing: "the command")
            fail(translated.message, code: translated.code == .serverError ? serverErrorCode : exitCode(translated.code))
        } catch is CancellationError {
            throw ExitCode(130)
        } catch {
            if let validation = error as? ValidationError { throw validation }
            fail("unexpected error: \(error)", code: software)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        fflush(nil)  // what the command printed comes before the error, in a pipe too
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(code)
    }

    static func exitCode(_ code: CoreError.Code) -> Int32 {
        switch code {
        case .malformedMigrationName, .malformedMigrationHeader, .duplicateMigrationVersion, .checksumDrift,
             .appliedMigrationMissing, .outOfOrderMigration, .unterminatedSQL, .invalidProjection,
             .nothingToRollBack, .irreversibleMigration, .missingRollback, .unnumberedMigration, .resumeMismatch:
            dataError
        case .blackout, .guardNotMet:
            temporary
        case .malformedCalendar:
            config
        case .invalidDatabaseURL, .invalidConfigValue, .unknownConfigKey, .malformedConfigFile:
            config
        case .invalidArgument:
            usage
        case .lintInputUnreadable, .lintErrors:
            dataError
        // MARK: backfill
        case .unknownBackfill:
            usage
        case .unknownBackfillDirective, .missingBackfillDirective, .invalidBackfillDirective, .backfillPlaceholder, .backfillStatementCount:
            dataError
        // MARK: flags
        case .unknownFlag, .invalidFlagChange:
            usage
        case .malformedGuard:
            dataError
        case .invalidView:
            dataError
        // MARK: capture
        case .malformedReplicationMessage:
            software
        }
    }

    static func exitCode(_ code: DatabaseError.Code) -> Int32 {
        switch code {
        case .unreachable, .authenticationFailed, .databaseMissing, .binariesMissing, .clusterNotRunning, .clusterNotInitialized:
            unavailable
        case .serverError, .migrationFailed, .seedFailed:
            dataError
        case .lockTimeout, .statementTimeout, .migrationLockBusy, .portInUse:
            temporary
        case .dataDirectoryForeign, .dataDirectoryIncomplete, .clusterCommandFailed:
            cannotCreate
        case .migrationsFolderMissing:
            dataError
        case .configFileUnreadable:
            config
        // MARK: backfill
        case .backfillLockBusy:
            temporary
        case .backfillDefinitionChanged, .backfillModeChanged, .backfillBatchFailed, .backfillsFolderUnreadable:
            dataError
        case .flagsNotInstalled:
            unavailable
        // MARK: capture
        case .replicationFailed:
            unavailable
        case .captureNotReady:
            config
        case .notCaughtUp:
            temporary
        case .captureMismatch, .engineNotInstalled, .engineOutdated, .engineNewer, .engineInstallRefused:
            config
        case .engineLockBusy:
            temporary
        }
    }
}
