import CutoverCore
import Testing

@Suite("Configuration model", .timeLimit(.minutes(1)))
struct ConfigTests {
    @Test("defaults are valid and point at localhost")
    func defaults() {
        let c = CutoverConfig.defaults
        #expect(c.database.url.host == "127.0.0.1" && c.database.url.port == 5432 && !c.database.isExplicit)
        #expect(c.http.port == 8080 && c.projector.batchSize == 500 && c.dev.dataDirectory == ".cutover/pg")
    }

    @Test("environment variable names follow the key")
    func environmentNames() {
        #expect(ConfigSchema.spec(for: "database.poolSize")?.environmentVariable == "CUTOVER_DATABASE_POOL_SIZE")
        #expect(ConfigSchema.spec(for: "projector.maxLatencyMilliseconds")?.environmentVariable == "CUTOVER_PROJECTOR_MAX_LATENCY_MILLISECONDS")
        #expect(ConfigSchema.suggestion(for: "databse.port") == "database.port")
    }

    @Test("invalid values name the key and the source", arguments: [
        ("http.port", ConfigScalar.int(-1)), ("database.poolSize", .int(0)), ("log.level", .string("loud")),
        ("database.tls", .string("maybe")), ("projector.batchSize", .int(0)),
    ])
    func invalid(key: String, value: ConfigScalar) {
        #expect {
            try CutoverConfig(values: [key: value], explicitKeys: [key], source: { _ in "test.yaml" })
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.code == .invalidConfigValue && e.message.contains(key) && e.message.contains("test.yaml")
        }
    }

    @Test("only connection keys make the database explicit")
    func explicitness() throws {
        #expect(!(try CutoverConfig(values: ["database.poolSize": .int(3)], explicitKeys: ["database.poolSize"])).database.isExplicit)
        #expect(try CutoverConfig(values: ["database.port": .int(6000)], explicitKeys: ["database.port"]).database.isExplicit)
    }

    @Test("database URLs parse, percent-decode and redact the password")
    func urls() throws {
        let url = try DatabaseURL(parsing: "postgres://app%40crm:p%3Ass@db.internal:6543/fresh?sslmode=require")
        #expect(url.user == "app@crm" && url.password == "p:ss" && url.host == "db.internal" && url.port == 6543)
        #expect(url.database == "fresh" && url.tls == "require")
        #expect(url.description == "postgres://app%40crm:***@db.internal:6543/fresh")
        #expect(try DatabaseURL(parsing: url.urlWithPassword) == url)
        #expect(try DatabaseURL(parsing: "postgresql://u@[::1]/x").host == "::1")
        #expect(DatabaseURL.redact("postgres://u:secret@h/x") == "postgres://u:***@h/x")
        for bad in ["mysql://u@h/x", "postgres://u@h:99999/x", "postgres://u@:5432/x", "postgres://u@h/x?sslmode=sometimes"] {
            #expect(throws: CoreError.self) { try DatabaseURL(parsing: bad) }
        }
    }

    @Test("seed options validate counts and dates")
    func seedOptions() throws {
        #expect(try SeedOptions(customers: 10).asOf == SeedOptions.defaultAsOf)
        #expect(throws: CoreError.self) { try SeedOptions(customers: 0) }
        #expect(throws: CoreError.self) { try SeedOptions(customers: 10, asOf: "2026-02-30") }
        #expect(throws: CoreError.self) { try SeedOptions(customers: 10, asOf: "yesterday") }
        #expect(try SeedOptions(customers: 10, asOf: "2024-02-29").asOf == "2024-02-29")
    }
}
