extension ContinuousClock.Instant {
    /// Whole milliseconds since this instant.
    public var millisecondsElapsed: Int { Int((ContinuousClock.now - self).wholeMilliseconds) }
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole milliseconds (rounded down), e.g. for PostgreSQL's `statement_timeout`.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

extension ContinuousClock.Instant {
    /// Fractional milliseconds since this instant.
    public var elapsedMilliseconds: Double { (ContinuousClock.now - self).seconds * 1000 }
}
