import CutoverCore
import Foundation

/// What `cutover dev up` records about the cluster it made, inside the data folder
/// (`cutover-dev.json`, mode 0600): the port and the generated credentials.
public struct DevClusterState: Codable, Sendable, Equatable {
    public var port: Int
    /// Whether the port was chosen freely (and may change when it is taken) or configured.
    public var portIsAutomatic: Bool
    public var user: String
    public var password: String
    public var database: String
    public var binDirectory: String
    public var majorVersion: Int
    public var createdAt: String

    /// The URL of the cluster's main database.
    public var url: DatabaseURL {
        DatabaseURL(host: "127.0.0.1", port: port, user: user, password: password, database: database)
    }

    static let filename = "cutover-dev.json"

    static func read(dataDirectory: String) -> DevClusterState? {
        guard let data = FileManager.default.contents(atPath: dataDirectory + "/" + filename) else { return nil }
        return try? JSONDecoder().decode(DevClusterState.self, from: data)
    }

    func write(dataDirectory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = dataDirectory + "/" + Self.filename
        let data = try encoder.encode(self)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw DatabaseError(.clusterCommandFailed, "cannot write \(path)", context: ["path": path])
        }
        // Every file in the data folder belongs to the server's user: pg_basebackup reads them all.
        if ProcessRunner.isRoot { try DevCluster.handToPostgres(path) }
    }
}
