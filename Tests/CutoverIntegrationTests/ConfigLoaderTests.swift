import CutoverCore
import CutoverPostgres
import Foundation
import Testing

@Suite("Configuration loading", .timeLimit(.minutes(5)))
struct ConfigLoaderTests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "cutover-config-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func loadError(_ loader: ConfigLoader) async -> CoreError? {
        do { _ = try await loader.load(); return nil } catch { return error as? CoreError }
    }

    @Test("the shipped config/cutover.yaml is valid")
    func shippedConfigIsValid() async throws {
        let config = try await ConfigLoader(filePath: TestCluster.repositoryRoot + "/config/cutover.yaml", environment: [:]).load()
        #expect(config.http.port == 8080)
        #expect(config.database.isExplicit == false)
    }

    @Test("file values, then environment, then command line win")
    func precedence() async throws {
        let path = try file("database:\n  port: 6000\n  name: crm\nhttp:\n  port: 9000\nprojector:\n  batchSize: 100\n")
        let fromFile = try await ConfigLoader(filePath: path, environment: [:]).load()
        #expect(fromFile.database.url.port == 6000 && fromFile.database.url.database == "crm" && fromFile.http.port == 9000)
        #expect(fromFile.database.isExplicit)
        let fromEnv = try await ConfigLoader(filePath: path, environment: ["CUTOVER_HTTP_PORT": "9100", "CUTOVER_PROJECTOR_BATCH_SIZE": "7"]).load()
        #expect(fromEnv.http.port == 9100 && fromEnv.projector.batchSize == 7)
        let fromFlag = try await ConfigLoader(filePath: path, environment: ["CUTOVER_HTTP_PORT": "9100"], overrides: ["http.port": "9200"]).load()
        #expect(fromFlag.http.port == 9200)
        let url = try await ConfigLoader(filePath: path, environment: ["CUTOVER_DATABASE_URL": "postgres://u:secret@db:5555/x"]).load()
        #expect(url.database.url.host == "db" && url.database.url.port == 5555 && url.database.url.password == "secret")
    }

    @Test("an unknown key names the key, the file, the line and a suggestion")
    func unknownKey() async throws {
        let path = try file("database:\n  prot: 5432\n")
        let error = try #require(await loadError(ConfigLoader(filePath: path, environment: [:])))
        #expect(error.code == .unknownConfigKey)
        #expect(error.message.contains(path) && error.message.contains("database.prot") && error.message.contains("database.port"))
        let section = try file("databse:\n  port: 5432\n")
        let sectionError = try #require(await loadError(ConfigLoader(filePath: section, environment: [:])))
        #expect(sectionError.code == .unknownConfigKey && sectionError.message.contains("databse"))
    }

    @Test("a wrong type names the key and the file")
    func wrongType() async throws {
        let path = try file("http:\n  port: eighty\n")
        let error = try #require(await loadError(ConfigLoader(filePath: path, environment: [:])))
        #expect(error.code == .invalidConfigValue)
        #expect(error.message.contains("http.port") && error.message.contains(path) && error.message.contains("integer"))
        let env = try #require(await loadError(ConfigLoader(filePath: nil, environment: ["CUTOVER_DATABASE_POOL_SIZE": "many"])))
        #expect(env.message.contains("CUTOVER_DATABASE_POOL_SIZE") && env.message.contains("database.poolSize"))
    }

    @Test("out-of-range values and malformed files are rejected clearly")
    func rangesAndMalformedFiles() async throws {
        let range = try #require(await loadError(ConfigLoader(filePath: try file("http:\n  port: 70000\n"), environment: [:])))
        #expect(range.code == .invalidConfigValue && range.message.contains("http.port"))
        let malformed = try #require(await loadError(ConfigLoader(filePath: try file("database: [unclosed\n"), environment: [:])))
        #expect(malformed.code == .malformedConfigFile)
        let missing = try #require(await loadError(ConfigLoader(filePath: "/nonexistent/cutover.yaml", environment: [:])))
        #expect(missing.code == .malformedConfigFile && missing.message.contains("does not exist"))
        let badURL = try #require(await loadError(ConfigLoader(filePath: nil, environment: ["CUTOVER_DATABASE_URL": "mysql://x"])))
        #expect(badURL.code == .invalidDatabaseURL && badURL.message.contains("CUTOVER_DATABASE_URL"))
        let unknownEnv = try #require(await loadError(ConfigLoader(filePath: nil, environment: ["CUTOVER_HTTP_PROT": "1"])))
        #expect(unknownEnv.code == .unknownConfigKey && unknownEnv.message.contains("CUTOVER_HTTP_PROT"))
        let unknownFlag = try #require(await loadError(ConfigLoader(filePath: nil, environment: [:], overrides: ["http.prot": "1"])))
        #expect(unknownFlag.message.contains("did you mean http.port"))
    }
}
