extension ContinuousClock.Instant {
    /// Whole milliseconds since this instant.
    public var millisecondsElapsed: Int {
        let d = ContinuousClock.now - self
        return Int(d.components.seconds) * 1000 + Int(d.components.attoseconds / 1_000_000_000_000_000)
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension ContinuousClock.Instant {
    /// Fractional milliseconds since this instant.
    public var elapsedMilliseconds: Double { (ContinuousClock.now - self).seconds * 1000 }
}
