/// Gives unnumbered (`VXXX__…`) and clashing migration files the next free versions.
///
/// After two branches merge, both may carry a `V007__…`; a template written by
/// `cutover migrate new` is `VXXX__…` until numbered. Files recorded as applied keep their number;
/// among unapplied files with one number the one added first keeps it. Pure logic: the caller
/// lists the folder, reads the history and applies the renames.
public struct MigrationNumbering: Sendable {
    /// One file rename.
    public struct Rename: Sendable, Equatable, CustomStringConvertible {
        public var from: String
        public var to: String
        /// Why: `"unnumbered"` or `"duplicate of V007__x.sql"`.
        public var reason: String
        public var description: String { "\(from) → \(to) (\(reason))" }
    }

    public init() {}

    /// Renames that number every `VXXX` file and resolve every duplicate version.
    ///
    /// - Parameters:
    ///   - filenames: every `*.sql` name in the folder (other kinds are ignored).
    ///   - appliedFilenames: names recorded in the history (those never move).
    ///   - appliedVersions: versions recorded in the history, so that a new number never reuses one.
    ///   - addedOrder: names in the order they were added (oldest first, e.g. from git); names
    ///     missing here count as newest, in name order.
    public func renames(filenames: [String], appliedFilenames: Set<String> = [], appliedVersions: Set<Int> = [],
                        addedOrder: [String] = []) -> [Rename] {
        let rank = Dictionary(addedOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func order(_ a: String, _ b: String) -> Bool {
            let ra = rank[a] ?? Int.max, rb = rank[b] ?? Int.max
            return ra != rb ? ra < rb : a < b
        }
        var numbered: [Int: [String]] = [:]
        var unnumbered: [String] = []
        var width = 3
        for name in filenames where name.hasSuffix(".sql") && (name.first == "V" || name.first == "v") {
            let stem = name.dropFirst().dropLast(4)
            guard let sep = stem.firstRange(of: "__") else { continue }
            let versionText = stem[stem.startIndex..<sep.lowerBound]
            if versionText.uppercased() == "XXX" { unnumbered.append(name); continue }
            guard let v = Int(versionText), v > 0 else { continue }
            width = max(width, versionText.count)
            numbered[v, default: []].append(name)
        }
        // A version an undo file carries is taken too: a file numbered into it would adopt that
        // undo file as its rollback.
        var used = Set(numbered.keys).union(appliedVersions).union(Self.undoVersions(filenames))
        var next = (used.max() ?? 0) + 1
        func take() -> Int {
            while used.contains(next) { next += 1 }
            used.insert(next)
            return next
        }
        var result: [Rename] = []
        for version in numbered.keys.sorted() {
            let names = numbered[version]!
            guard names.count > 1 else { continue }
            let keeper = names.first(where: { appliedFilenames.contains($0) }) ?? names.sorted(by: order).first!
            for name in names.sorted(by: order) where name != keeper && !appliedFilenames.contains(name) {
                result.append(Rename(from: name, to: Self.name(name, version: take(), width: width), reason: "duplicate of \(keeper)"))
            }
        }
        for name in unnumbered.sorted(by: order) {
            result.append(Rename(from: name, to: Self.name(name, version: take(), width: width), reason: "unnumbered"))
        }
        // An undo file moves with its versioned file.
        let present = Set(filenames)
        for rename in result {
            let undo = "U" + rename.from.dropFirst()
            if present.contains(undo) {
                result.append(Rename(from: undo, to: "U" + rename.to.dropFirst(), reason: "undo file of \(rename.from)"))
            }
        }
        return result
    }

    /// Undo files (`U###__name.sql`, `UXXX__name.sql`) without the versioned file they would roll
    /// back: `U004__x.sql` with no `V004__…` file, `UXXX__x.sql` with no `VXXX__x.sql`. Such a file
    /// is an error, never a rollback for whichever file gets its number next.
    public func orphanUndoFiles(filenames: [String]) -> [String] {
        let versioned = filenames.filter { $0.hasSuffix(".sql") && ($0.first == "V" || $0.first == "v") }
        let versions = Set(versioned.compactMap { Self.version(of: $0) })
        return filenames.filter { $0.hasSuffix(".sql") && ($0.first == "U" || $0.first == "u") }.filter { undo in
            if let version = Self.version(of: undo) { return !versions.contains(version) }
            return !versioned.contains("V" + undo.dropFirst())
        }.sorted()
    }

    /// The versions of the numbered undo files among `filenames`.
    static func undoVersions(_ filenames: [String]) -> Set<Int> {
        Set(filenames.filter { $0.hasSuffix(".sql") && ($0.first == "U" || $0.first == "u") }.compactMap { version(of: $0) })
    }

    /// The number of `V012__x.sql` or `U012__x.sql` (nil for `XXX` and malformed names).
    static func version(of filename: String) -> Int? {
        let stem = filename.dropFirst().dropLast(4)
        guard let sep = stem.firstRange(of: "__") else { return nil }
        guard let version = Int(stem[stem.startIndex..<sep.lowerBound]), version > 0 else { return nil }
        return version
    }

    /// `V007__x.sql` with its version replaced.
    static func name(_ filename: String, version: Int, width: Int) -> String {
        let stem = filename.dropFirst().dropLast(4)
        let rest = stem[stem.firstRange(of: "__")!.lowerBound...]
        return "V" + String(version).leftPadded(width) + rest + ".sql"
    }
}
