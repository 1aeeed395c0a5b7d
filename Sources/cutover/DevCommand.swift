import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover dev …`: the embedded throwaway PostgreSQL cluster.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Manage the local throwaway PostgreSQL cluster (.cutover/pg).",
        subcommands: [Up.self, Down.self, Status.self, URL.self, Psql.self, Standby.self]
    )

    static func cluster(_ options: GlobalOptions) async throws -> (DevCluster, CutoverConfig) {
        let config = try await options.loadConfig()
        let logger = options.makeLogger(config)
        return (DevCluster(dataDirectory: config.dev.dataDirectory, requestedPort: config.dev.port, logger: logger), config)
    }

    /// The running cluster's state; otherwise `clusterNotRunning` saying whether it is stopped
    /// (start it) or absent (create it), for the commands that need it running.
    static func running(_ cluster: DevCluster) throws -> DevClusterState {
        switch try cluster.status() {
        case .running(let state):
            return state
        case .stopped:
            throw DatabaseError(.clusterNotRunning, "the dev cluster in \(cluster.dataDirectory) is stopped; start it with `cutover dev up`")
        case .notInitialized:
            throw DatabaseError(.clusterNotRunning, "there is no dev cluster in \(cluster.dataDirectory); create and start one with `cutover dev up`")
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Initialise (first time) and start the cluster; print its URL.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await CLIErrors.run {
                var (cluster, _) = try await DevCommand.cluster(options)
                let state = try await cluster.up { print($0) }
                print("PostgreSQL \(state.majorVersion) is accepting connections at \(state.url)")
                print("data: \(cluster.dataDirectory)   log: \(cluster.logFile)")
                print("connection URL (with password): cutover dev url   ·   shell: cutover dev psql")
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the cluster (data is kept).")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await CLIErrors.run {
                let (cluster, _) = try await DevCommand.cluster(options)
                switch try cluster.status() {
                case .running:
                    try cluster.down()
                    print("stopped the cluster in \(cluster.dataDirectory)")
                case .stopped:
                    print("the cluster in \(cluster.dataDirectory) is not running")
                case .notInitialized:
                    print("no cluster in \(cluster.dataDirectory); nothing to stop")
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether the cluster exists and runs (exit 0 running, 3 stopped, 4 absent: no cluster of `cutover dev`, also when the folder holds something else).")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await CLIErrors.run {
                let (cluster, _) = try await DevCommand.cluster(options)
                let status: DevCluster.Status
                do {
                    status = try cluster.status()
                } catch let error as DatabaseError where [.dataDirectoryForeign, .dataDirectoryIncomplete].contains(error.code) {
                    // Not a cluster `cutover dev` can use: absent, with what is there instead.
                    print("absent    no usable dev cluster: \(error.message)")
                    throw ExitCode(4)
                }
                switch status {
                case .running(let state):
                    print("running   PostgreSQL \(state.majorVersion) at \(state.url)   data \(cluster.dataDirectory)")
                case .stopped(let state):
                    print("stopped   PostgreSQL \(state.majorVersion), last port \(state.port)   data \(cluster.dataDirectory)   (start: cutover dev up)")
                    throw ExitCode(3)
                case .notInitialized:
                    print("absent    no cluster in \(cluster.dataDirectory)   (create: cutover dev up)")
                    throw ExitCode(4)
                }
            }
        }
    }

    struct URL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the connection URL including the password.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await CLIErrors.run {
                let (cluster, _) = try await DevCommand.cluster(options)
                let state = try DevCommand.running(cluster)
                print(state.url.urlWithPassword)
            }
        }
    }

    struct Psql: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open psql on the cluster's database.")
        @OptionGroup var options: GlobalOptions
        @Argument(parsing: .captureForPassthrough, help: "Extra arguments for psql, e.g. -c 'select 1'.")
        var psqlArguments: [String] = []

        func run() async throws {
            try await CLIErrors.run {
                let (cluster, _) = try await DevCommand.cluster(options)
                let state = try DevCommand.running(cluster)
                let psql = PostgresBinaries(directory: state.binDirectory, majorVersion: state.majorVersion).psql
                let args = [psql, state.url.urlWithPassword] + psqlArguments.filter { $0 != "--" }
                let cArgs = args.map { strdup($0) } + [nil]
                execv(psql, cArgs)
                throw DatabaseError(.binariesMissing, "cannot run \(psql): \(String(cString: strerror(errno)))")
            }
        }
    }

    struct Standby: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a hot standby of the dev cluster (pg_basebackup, streaming replication) and print its URL.",
            discussion: "Serve reads from it with: cutover serve --set api.replicaUrl=$(cutover dev standby --url-only)")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Stop the standby instead (its data is kept).") var stop = false
        @Flag(help: "Print only the standby's URL with its password.") var urlOnly = false

        func run() async throws {
            try await CLIErrors.run {
                let (cluster, config) = try await DevCommand.cluster(options)
                let standby = DevStandby(dataDirectory: config.dev.dataDirectory + "-standby", logger: options.makeLogger(config))
                if stop {
                    try standby.down()
                    print("stopped the standby in \(standby.dataDirectory)")
                    return
                }
                let primary = try DevCommand.running(cluster)
                let state = try await standby.up(primary: primary) { if !urlOnly { print($0) } }
                if urlOnly {
                    print(state.url.urlWithPassword)
                } else {
                    print("hot standby of 127.0.0.1:\(primary.port) accepting read-only connections at \(state.url)")
                    print("data: \(standby.dataDirectory)   serve reads from it: cutover serve --set api.replicaUrl=$(cutover dev standby --url-only)")
                }
            }
        }
    }
}
