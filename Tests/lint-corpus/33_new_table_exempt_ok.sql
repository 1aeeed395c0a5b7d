-- expect: none
-- phase: expand
-- Everything happens to a table created in this file: nothing to lock, nothing to rewrite.
CREATE TABLE crm.visit_reports (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id bigint NOT NULL,
    summary     text
);
CREATE INDEX visit_reports_activity_id_idx ON crm.visit_reports (activity_id);
ALTER TABLE crm.visit_reports ADD COLUMN rating integer NOT NULL;
ALTER TABLE crm.visit_reports ALTER COLUMN summary SET NOT NULL;
ALTER TABLE crm.visit_reports ALTER COLUMN rating TYPE smallint;
ALTER TABLE crm.visit_reports ADD CONSTRAINT visit_reports_rating_check CHECK (rating BETWEEN 1 AND 5);
ALTER TABLE crm.visit_reports ADD CONSTRAINT visit_reports_activity_key UNIQUE (activity_id);
ALTER TABLE crm.visit_reports RENAME COLUMN summary TO body;
