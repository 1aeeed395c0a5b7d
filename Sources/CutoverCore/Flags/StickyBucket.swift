/// Percentage rollout buckets that never move: a subject's bucket depends only on the flag name
/// and the subject, through SHA-256 (not Swift's per-process randomised `Hasher`).
///
/// `bucket = UInt32(big-endian first 4 bytes of SHA-256("<flag>/<subject>")) % 10_000`; a rule
/// with `percent` p includes the subject when `bucket < p * 100`. Fixed test vectors in the test
/// suite make sure the function never silently changes.
public enum StickyBucket {
    /// Buckets per flag: 10 000, so rollouts have a resolution of 0.01 %.
    public static let buckets: UInt32 = 10_000

    /// The subject's bucket for `flag`, 0 ..< 10 000.
    public static func bucket(flag: String, subject: String) -> Int {
        let digest = SHA256.hash(Array("\(flag)/\(subject)".utf8))
        let prefix = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        return Int(prefix % buckets)
    }

    /// Whether `subject` falls into the first `percent` % of `flag`'s buckets.
    public static func includes(flag: String, subject: String, percent: Int) -> Bool {
        if percent >= 100 { return true }
        if percent <= 0 { return false }
        return bucket(flag: flag, subject: subject) < percent * 100
    }
}
