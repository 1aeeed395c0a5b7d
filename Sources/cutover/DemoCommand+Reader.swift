import CutoverCore
import CutoverPostgres
import Foundation
import Logging

extension DemoCommand {
    static func readerFile(_ dataDirectory: String) -> String {
        ((dataDirectory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("demo-reader-url")
    }

    /// The demo's SQL reader (module 01, DE-BY): its connection URL, reused from
    /// `.cutover/demo-reader-url` while it still logs in, else a new reader is created.
    func demoReader(target: DatabaseTarget, dataDirectory: String, logger: Logger) async throws -> String {
        let file = Self.readerFile(dataDirectory)
        if let saved = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           let url = try? DatabaseURL(parsing: saved) {
            let works = (try? await Database.withConnection(DatabaseTarget(url: url, poolSize: 1), logger: logger) { connection in
                _ = try await connection.query("SELECT count(*) FROM read.customer_overview", logger: logger).collect()
            }) != nil
            if works { return saved }
        }
        let created = try await Database.withConnection(target, logger: logger) { connection in
            try await SQLReaderRepository(logger: logger).create(on: connection, role: nil, module: "01", territories: ["DE-BY"], user: nil,
                                                                  label: "cutover demo")
        }
        var url = target.url
        url.user = created.role
        url.password = created.password
        if !FileManager.default.createFile(atPath: file, contents: Data((url.urlWithPassword + "\n").utf8), attributes: [.posixPermissions: 0o600]) {
            FileHandle.standardError.write(Data("warning: could not save the demo reader's URL to \(file)\n".utf8))
        }
        return url.urlWithPassword
    }
}
