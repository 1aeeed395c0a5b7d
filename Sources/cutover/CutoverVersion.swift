/// The version `cutover --version` prints. Raised with every release that changes behaviour an
/// operator or a script can see (commands, flags, exit codes, configuration keys).
enum CutoverVersion {
    static let current = "0.1.0"
}
