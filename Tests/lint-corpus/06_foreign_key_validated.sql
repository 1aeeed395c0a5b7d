-- expect: foreign-key-without-not-valid
-- phase: expand
-- Links activities to samples; the constraint is validated at once.
SET lock_timeout = '2s';
ALTER TABLE crm.activities ADD COLUMN sample_id bigint;
ALTER TABLE crm.activities
    ADD CONSTRAINT activities_sample_id_fkey FOREIGN KEY (sample_id) REFERENCES crm.samples (id);
