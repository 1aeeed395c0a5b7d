-- expect: foreign-key-without-not-valid
-- phase: expand
-- NOT VALID and VALIDATE in one transactional file: the ADD's lock is held until commit, so the
-- validating scan still blocks writes.
SET LOCAL lock_timeout = '2s';
ALTER TABLE crm.activities ADD COLUMN sample_id bigint;
ALTER TABLE crm.activities
    ADD CONSTRAINT activities_sample_id_fkey FOREIGN KEY (sample_id) REFERENCES crm.samples (id) NOT VALID;
ALTER TABLE crm.activities VALIDATE CONSTRAINT activities_sample_id_fkey;
