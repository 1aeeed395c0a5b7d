-- expect: suppression-without-reason, index-not-concurrent, unknown-rule, lock-timeout-missing
-- phase: expand
-- A suppression without a reason, and one with a typo in the rule id: neither suppresses.
-- cutover-lint: ignore index-not-concurrent
CREATE INDEX territories_country_idx ON crm.territories (country);
-- cutover-lint: ignore lock-timout-missing reason: small table
ALTER TABLE crm.territories ADD COLUMN iso_code text;
