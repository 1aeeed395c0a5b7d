-- Lead protection in read.sample_followups: the sample's contact (contact_id, contact_name,
-- contact_email, contact_phone) is masked (NULL, contacts_masked = true) when the customer is a
-- lead protected today and the reader neither owns the protection nor is a MANAGER. An expired
-- protection masks nothing.
--
-- The sample is picked from the read table as its owner (one with a contact, preferring a customer
-- whose seeded protection is active). Should the customer have no active protection, one is
-- written in crm.lead_protections and, as the projector is not running, carried into the read
-- table rows of all the customer's samples (and its customer_overview row) directly; the
-- transaction is rolled back.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql
SELECT plan(27);

-- Before anything sets it in this session: cutover.user_role does not exist at all.
SELECT is(current_setting('cutover.user_role', true), NULL, 'precondition: cutover.user_role was never set in this session');

CREATE TEMP TABLE pick ON COMMIT DROP AS
    SELECT s.sample_id, s.customer_id, s.territory_code
    FROM live_sample_followups s
    LEFT JOIN crm.lead_protections lp ON lp.customer_id = s.customer_id
    WHERE s.contact_id IS NOT NULL
    ORDER BY (lp.protected_until >= current_date) IS TRUE DESC, s.sample_id
    LIMIT 1;

-- Protected today (no-op when the seeded protection is active).
INSERT INTO crm.lead_protections (customer_id, owner_id, protected_until, reason)
SELECT customer_id, (SELECT id FROM crm.users WHERE role = 'SALES_REP' ORDER BY id LIMIT 1), current_date + 30, 'pgtap'
FROM pick
ON CONFLICT (customer_id) DO UPDATE SET protected_until = current_date + 30
    WHERE crm.lead_protections.protected_until < current_date;
UPDATE live_sample_followups s
SET protection_owner_id = lp.owner_id, protected_until = lp.protected_until
FROM crm.lead_protections lp
WHERE lp.customer_id = s.customer_id AND s.customer_id = (SELECT customer_id FROM pick);
UPDATE live_customer_overview o
SET protection_owner_id = lp.owner_id, protection_owner_name = u.name, protected_until = lp.protected_until
FROM crm.lead_protections lp JOIN crm.users u ON u.id = lp.owner_id
WHERE lp.customer_id = o.customer_id AND o.customer_id = (SELECT customer_id FROM pick);

CREATE TEMP TABLE ctx ON COMMIT DROP AS
    SELECT p.sample_id, p.customer_id, p.territory_code, lp.owner_id,
           coalesce((SELECT id FROM crm.users WHERE role = 'SALES_REP' AND id <> lp.owner_id ORDER BY id LIMIT 1), -1) AS other_id,
           coalesce((SELECT code FROM crm.territories WHERE code <> p.territory_code ORDER BY code LIMIT 1), 'XX-OTHER') AS other_territory
    FROM pick p JOIN crm.lead_protections lp USING (customer_id);
SELECT territory_code AS territory, owner_id, other_id, other_territory FROM ctx \gset

CREATE TEMP TABLE stored ON COMMIT DROP AS
    SELECT sample_id, customer_id, customer_name, territory_code, product, sent_at, follow_up_due,
           owner_id, protection_owner_id, protected_until,
           contact_id, contact_name, contact_email, contact_phone
    FROM live_sample_followups WHERE sample_id = (SELECT sample_id FROM ctx);
GRANT SELECT ON pick, ctx, stored TO cutover_reader;

SELECT ok((SELECT protected_until >= current_date FROM crm.lead_protections WHERE customer_id = (SELECT customer_id FROM ctx)),
          'precondition: the sample''s customer has a lead protection active today');
SELECT results_eq('SELECT protection_owner_id, protected_until >= current_date FROM stored',
                  'SELECT owner_id, true FROM ctx',
                  'precondition: the read table row carries that protection');
SELECT ok((SELECT contact_id IS NOT NULL AND contact_name IS NOT NULL FROM stored),
          'precondition: the sample has a contact to mask');
SELECT isnt((SELECT other_id FROM ctx), (SELECT owner_id FROM ctx), 'precondition: the other user is not the protection owner');

-- ---------------------------------------------------------------------------------------------
SET LOCAL ROLE cutover_reader;
SET LOCAL cutover.territories = :'territory';
SET LOCAL cutover.user_id = :'other_id';
SELECT is(current_user::text, 'cutover_reader', 'running as cutover_reader');

-- Another user, cutover.user_role not set at all (a SQL reader that sets only territory and user).
SELECT is((SELECT num_nonnulls(contact_id, contact_name, contact_email, contact_phone)
           FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)), 0,
          'another user, no user_role setting: the contact is masked');
-- (NULL = 'MANAGER' is NULL: reader_sees_contacts() has to turn that into false, not NULL.)
SELECT is((SELECT contacts_masked FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)), true,
          'another user, no user_role setting: contacts_masked is true');

-- Another sales rep of the territory (as the read API sets it).
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT is((SELECT count(*) FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)), 1::bigint,
          'another rep of the territory sees the sample');
SELECT is((SELECT num_nonnulls(contact_id, contact_name, contact_email, contact_phone)
           FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)), 0,
          'another rep: contact id, name, email and phone are all NULL');
SELECT is((SELECT contacts_masked FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)), true,
          'another rep: contacts_masked is true');
SELECT results_eq('SELECT sample_id, customer_id, customer_name, territory_code, product, sent_at, follow_up_due, owner_id,
                          protection_owner_id, protected_until
                   FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)',
                  'SELECT sample_id, customer_id, customer_name, territory_code, product, sent_at, follow_up_due, owner_id,
                          protection_owner_id, protected_until FROM stored',
                  'another rep: the rest of the row is not masked');
SELECT is_empty('SELECT 1 FROM read.sample_followups WHERE customer_id = (SELECT customer_id FROM ctx)
                 AND (contacts_masked IS NOT TRUE OR num_nonnulls(contact_id, contact_name, contact_email, contact_phone) > 0)',
                'another rep: every sample of the protected customer is masked');

-- No user at all.
SET LOCAL cutover.user_id = '';
SET LOCAL cutover.user_role = '';
SELECT is((SELECT num_nonnulls(contact_id, contact_name, contact_email, contact_phone)
           FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)), 0,
          'no user: the contact is masked');

-- Another territory: the sample is not visible at all.
SET LOCAL cutover.territories = :'other_territory';
SET LOCAL cutover.user_id = :'owner_id';
SET LOCAL cutover.user_role = 'MANAGER';
SELECT is_empty('SELECT 1 FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)',
                'a reader of another territory (even the owner as MANAGER) does not see the sample');

-- The protection owner.
SET LOCAL cutover.territories = :'territory';
SET LOCAL cutover.user_id = :'owner_id';
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT results_eq('SELECT contact_id, contact_name, contact_email, contact_phone, contacts_masked
                   FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)',
                  'SELECT contact_id, contact_name, contact_email, contact_phone, false FROM stored',
                  'the protection owner sees the contact as stored, contacts_masked false');

-- A manager who is not the owner.
SET LOCAL cutover.user_id = :'other_id';
SET LOCAL cutover.user_role = 'MANAGER';
SELECT results_eq('SELECT contact_id, contact_name, contact_email, contact_phone, contacts_masked
                   FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)',
                  'SELECT contact_id, contact_name, contact_email, contact_phone, false FROM stored',
                  'a MANAGER sees the contact as stored, contacts_masked false');
SELECT is_empty('SELECT 1 FROM read.sample_followups WHERE contacts_masked',
                'a MANAGER sees no masked sample in the territory');

-- The connecting superuser reading the view as another rep.
RESET ROLE;
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT is((SELECT (contacts_masked, num_nonnulls(contact_id, contact_name, contact_email, contact_phone))::text
           FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)), '(t,0)',
          'the connecting superuser reading the view as another rep: masked');

-- ---------------------------------------------------------------------------------------------
-- Protected until today: still masked.
UPDATE live_sample_followups SET protected_until = current_date WHERE customer_id = (SELECT customer_id FROM ctx);
SET LOCAL ROLE cutover_reader;
SELECT is((SELECT (contacts_masked, num_nonnulls(contact_id, contact_name, contact_email, contact_phone))::text
           FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)), '(t,0)',
          'protected until today: still masked for another rep');

-- Expired yesterday: nothing masked, for another rep and for no user.
RESET ROLE;
UPDATE crm.lead_protections SET protected_until = current_date - 1 WHERE customer_id = (SELECT customer_id FROM ctx);
UPDATE live_sample_followups SET protected_until = current_date - 1 WHERE customer_id = (SELECT customer_id FROM ctx);
SET LOCAL ROLE cutover_reader;
SELECT results_eq('SELECT contact_id, contact_name, contact_email, contact_phone, contacts_masked
                   FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)',
                  'SELECT contact_id, contact_name, contact_email, contact_phone, false FROM stored',
                  'expired protection: another rep sees the contact, contacts_masked false');
SET LOCAL cutover.user_id = '';
SET LOCAL cutover.user_role = '';
SELECT results_eq('SELECT contact_id, contact_name, contact_email, contact_phone, contacts_masked
                   FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)',
                  'SELECT contact_id, contact_name, contact_email, contact_phone, false FROM stored',
                  'expired protection: no user sees the contact, contacts_masked false');

-- No protection: nothing masked.
RESET ROLE;
UPDATE live_sample_followups SET protection_owner_id = NULL, protected_until = NULL WHERE customer_id = (SELECT customer_id FROM ctx);
SET LOCAL ROLE cutover_reader;
SET LOCAL cutover.user_id = :'other_id';
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT is((SELECT contacts_masked FROM read.sample_followups WHERE sample_id = (SELECT sample_id FROM ctx)), false,
          'no protection: contacts_masked is false');

-- ---------------------------------------------------------------------------------------------
-- The whole territory, for another rep: the view equals the read table with the masking rule
-- applied independently. The picked customer is protected again so that some row is masked.
RESET ROLE;
UPDATE live_sample_followups s SET protection_owner_id = c.owner_id, protected_until = current_date + 30
FROM ctx c WHERE s.customer_id = c.customer_id;
CREATE TEMP TABLE expected_territory ON COMMIT DROP AS
    SELECT sample_id,
           CASE WHEN m THEN NULL ELSE contact_id END AS contact_id,
           CASE WHEN m THEN NULL ELSE contact_name END AS contact_name,
           CASE WHEN m THEN NULL ELSE contact_email END AS contact_email,
           CASE WHEN m THEN NULL ELSE contact_phone END AS contact_phone,
           m AS contacts_masked
    FROM (SELECT s.*, (s.protection_owner_id IS NOT NULL AND s.protected_until >= current_date
                       AND s.protection_owner_id <> (SELECT other_id FROM ctx)) AS m
          FROM live_sample_followups s WHERE s.territory_code = (SELECT territory_code FROM ctx)) t;
CREATE TEMP TABLE expected_masked_for_owner ON COMMIT DROP AS
    SELECT s.sample_id FROM live_sample_followups s
    WHERE s.territory_code = (SELECT territory_code FROM ctx)
      AND s.protection_owner_id IS NOT NULL AND s.protected_until >= current_date
      AND s.protection_owner_id <> (SELECT owner_id FROM ctx);
GRANT SELECT ON expected_territory, expected_masked_for_owner TO cutover_reader;
SELECT cmp_ok((SELECT count(*) FROM expected_territory WHERE contacts_masked), '>', 0::bigint,
              'precondition: the territory has masked samples for another rep');
SELECT cmp_ok((SELECT count(*) FROM expected_territory WHERE NOT contacts_masked AND contact_id IS NOT NULL),
              '>', 0::bigint, 'precondition: the territory has unmasked samples with a contact');
SET LOCAL ROLE cutover_reader;
SELECT bag_eq('SELECT sample_id, contact_id, contact_name, contact_email, contact_phone, contacts_masked FROM read.sample_followups',
              'SELECT * FROM expected_territory',
              'another rep: every sample of the territory is masked exactly when protected today by somebody else');
SET LOCAL cutover.user_id = :'owner_id';
SELECT set_eq('SELECT sample_id FROM read.sample_followups WHERE contacts_masked',
              'SELECT sample_id FROM expected_masked_for_owner',
              'the owner: exactly the samples of leads protected today by somebody else are masked');

SELECT * FROM finish();
ROLLBACK;
