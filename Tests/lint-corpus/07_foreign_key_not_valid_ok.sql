-- expect: none
-- phase: expand
-- transaction: none
-- The same link, added NOT VALID and validated in its own transaction (SHARE UPDATE EXCLUSIVE only).
SET lock_timeout = '2s';
ALTER TABLE crm.activities ADD COLUMN sample_id bigint;
ALTER TABLE crm.activities
    ADD CONSTRAINT activities_sample_id_fkey FOREIGN KEY (sample_id) REFERENCES crm.samples (id) NOT VALID;
ALTER TABLE crm.activities VALIDATE CONSTRAINT activities_sample_id_fkey;
