import ArgumentParser
import CutoverCore
import CutoverProjector
import CutoverServer
import Foundation

/// `cutover openapi [--out FILE]`: the read API's OpenAPI document, generated from the engine's
/// base and the views declared under `projections.directory`. Needs no database.
struct OpenAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the read API's OpenAPI 3.0 document, generated from the declared views.",
        discussion: """
            The engine's endpoints (health, metrics, flags, OFREP) and conventions, plus one GET operation \
            per view declared in projections/<projection>/views/*.yaml with its parameters and response schema. \
            The same declarations give the same bytes: `cutover openapi > docs/openapi.yaml` keeps the \
            published contract current.
            """)
    @OptionGroup var options: GlobalOptions
    @Option(name: .long, help: "Write the document to FILE instead of standard output.") var out: String?

    func run() async throws {
        try await CLIErrors.run {
            let config = try await options.loadConfig()
            let views = try ViewLoader.load(directory: config.projectionsDirectory)
            let document = try OpenAPIDocument.yaml(views: views, version: CutoverVersion.current)
            guard let out else {
                FileHandle.standardOutput.write(Data(document.utf8))
                return
            }
            do {
                try document.write(toFile: out, atomically: true, encoding: .utf8)
            } catch {
                CLIErrors.fail("--out \(out): cannot write it: \(error.localizedDescription)", code: CLIErrors.cannotCreate)
            }
            FileHandle.standardError.write(Data("wrote \(out): \(views.count) view(s)\n".utf8))
        }
    }
}
