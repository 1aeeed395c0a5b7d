-- phase: expand
-- description: {{description}}
-- Lead protection with row-level security that fails closed: rows are visible only inside a
-- transaction that set the reader's territories (and user) with set_config(…, true), the way the
-- read API does; the helper functions come from the engine (`cutover init`). Managers see every row of their
-- territories; a sales rep sees a lead while it is protected only when they own the protection.

CREATE TABLE IF NOT EXISTS crm.example_protected (
    customer_id     bigint PRIMARY KEY REFERENCES crm.customers ON DELETE CASCADE,
    territory_code  text NOT NULL REFERENCES crm.territories,
    owner_id        bigint NOT NULL REFERENCES crm.users,
    protected_until date NOT NULL
);

ALTER TABLE crm.example_protected ENABLE ROW LEVEL SECURITY;
ALTER TABLE crm.example_protected FORCE ROW LEVEL SECURITY;

CREATE POLICY example_protected_territory ON crm.example_protected
    USING (territory_code = ANY ((SELECT cutover.reader_territories())::text[])
           AND cutover.reader_sees_contacts(owner_id, protected_until,
                                            (SELECT cutover.reader_user_id()), (SELECT cutover.reader_is_manager())));

-- rollback:
DROP TABLE IF EXISTS crm.example_protected;
