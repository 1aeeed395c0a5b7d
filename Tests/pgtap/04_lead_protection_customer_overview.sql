-- Lead protection in read.customer_overview: a lead protected today (protected_until >=
-- current_date) shows its primary contacts (CHEF, BUYER, GF: ids, names, emails, phones) only to
-- the protection's owner and to managers. Every other reader of the territory sees the row with
-- those twelve columns NULL and contacts_masked = true. An expired protection masks nothing.
--
-- The customer is picked from the read table as its owner (one with at least one primary contact,
-- preferring one whose seeded protection is active). Should it have no active protection, one is
-- written in crm.lead_protections and, as the projector is not running, carried into the read
-- table row directly; the transaction is rolled back.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql
SELECT plan(30);

CREATE TEMP TABLE pick ON COMMIT DROP AS
    SELECT o.customer_id, o.territory_code
    FROM live_customer_overview o
    LEFT JOIN crm.lead_protections lp ON lp.customer_id = o.customer_id
    WHERE num_nonnulls(o.chef_contact_id, o.buyer_contact_id, o.gf_contact_id) > 0
    ORDER BY (lp.protected_until >= current_date) IS TRUE DESC, o.customer_id
    LIMIT 1;

-- Protected today (no-op when the seeded protection is active).
INSERT INTO crm.lead_protections (customer_id, owner_id, protected_until, reason)
SELECT customer_id, (SELECT id FROM crm.users WHERE role = 'SALES_REP' ORDER BY id LIMIT 1), current_date + 30, 'pgtap'
FROM pick
ON CONFLICT (customer_id) DO UPDATE SET protected_until = current_date + 30
    WHERE crm.lead_protections.protected_until < current_date;
UPDATE live_customer_overview o
SET protection_owner_id = lp.owner_id, protection_owner_name = u.name, protected_until = lp.protected_until
FROM crm.lead_protections lp JOIN crm.users u ON u.id = lp.owner_id
WHERE lp.customer_id = o.customer_id AND o.customer_id = (SELECT customer_id FROM pick);

-- The context: the customer, its territory, the protection's owner, another sales rep (or a user
-- id nobody has), and another territory.
CREATE TEMP TABLE ctx ON COMMIT DROP AS
    SELECT p.customer_id, p.territory_code, lp.owner_id,
           coalesce((SELECT id FROM crm.users WHERE role = 'SALES_REP' AND id <> lp.owner_id ORDER BY id LIMIT 1), -1) AS other_id,
           coalesce((SELECT code FROM crm.territories WHERE code <> p.territory_code ORDER BY code LIMIT 1), 'XX-OTHER') AS other_territory
    FROM pick p JOIN crm.lead_protections lp USING (customer_id);
SELECT customer_id AS cid, territory_code AS territory, owner_id, other_id, other_territory FROM ctx \gset

-- The row as stored (unmasked), for comparisons.
CREATE TEMP TABLE stored ON COMMIT DROP AS
    SELECT customer_id, name, territory_code, protection_owner_id, protected_until,
           chef_contact_id, chef_name, chef_email, chef_phone,
           buyer_contact_id, buyer_name, buyer_email, buyer_phone,
           gf_contact_id, gf_name, gf_email, gf_phone
    FROM live_customer_overview WHERE customer_id = (SELECT customer_id FROM ctx);
GRANT SELECT ON pick, ctx, stored TO cutover_reader;

-- Preconditions.
SELECT ok((SELECT protected_until >= current_date FROM crm.lead_protections WHERE customer_id = (SELECT customer_id FROM ctx)),
          'precondition: the customer has a lead protection active today in crm.lead_protections');
SELECT results_eq('SELECT protection_owner_id, protected_until >= current_date FROM stored',
                  $$SELECT owner_id, true FROM ctx$$,
                  'precondition: the read table row carries that protection');
SELECT cmp_ok((SELECT num_nonnulls(chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name,
                                   buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone) FROM stored),
              '>', 0, 'precondition: the customer has contact details to mask');
SELECT isnt((SELECT other_id FROM ctx), (SELECT owner_id FROM ctx), 'precondition: the other user is not the protection owner');

-- ---------------------------------------------------------------------------------------------
-- Another sales rep of the territory: sees the customer, not its contacts.
SET LOCAL ROLE cutover_reader;
SET LOCAL cutover.territories = :'territory';
SET LOCAL cutover.user_id = :'other_id';
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT is(current_user::text, 'cutover_reader', 'running as cutover_reader');
SELECT is((SELECT count(*) FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), 1::bigint,
          'another rep of the territory sees the protected customer');
SELECT is((SELECT num_nonnulls(chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name,
                               buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone)
           FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), 0,
          'another rep: chef/buyer/gf contact ids, names, emails and phones are all NULL');
SELECT is((SELECT contacts_masked FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), true,
          'another rep: contacts_masked is true');
SELECT results_eq('SELECT customer_id, name, territory_code, protection_owner_id, protected_until FROM read.customer_overview
                   WHERE customer_id = (SELECT customer_id FROM ctx)',
                  'SELECT customer_id, name, territory_code, protection_owner_id, protected_until FROM stored',
                  'another rep: the rest of the row (name, territory, protection) is not masked');

-- No user at all (a token without a user): the contacts are masked too.
SET LOCAL cutover.user_id = '';
SET LOCAL cutover.user_role = '';
SELECT is((SELECT num_nonnulls(chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name,
                               buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone)
           FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), 0,
          'no user: the contacts are all NULL');
-- contacts_masked must be true, not NULL: without a user id "protection_owner_id = user id" is
-- NULL, which cutover.reader_sees_contacts() has to turn into false (the columns would be masked
-- either way, CASE WHEN NULL, but the API decodes contacts_masked as a boolean).
SELECT is((SELECT contacts_masked FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), true,
          'no user: contacts_masked is true');
-- A role that only looks like MANAGER is not MANAGER.
SET LOCAL cutover.user_id = :'other_id';
SET LOCAL cutover.user_role = 'manager';
SELECT is((SELECT (contacts_masked, num_nonnulls(chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id,
                   buyer_name, buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone))::text
           FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), '(t,0)',
          'user role "manager" (lower case) is not MANAGER: masked');

-- A reader of another territory does not see the customer at all.
SET LOCAL cutover.territories = :'other_territory';
SET LOCAL cutover.user_id = :'owner_id';
SET LOCAL cutover.user_role = 'MANAGER';
SELECT is_empty('SELECT 1 FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)',
                'a reader of another territory (even the protection owner as MANAGER) does not see the customer');

-- The protection owner sees the contacts.
SET LOCAL cutover.territories = :'territory';
SET LOCAL cutover.user_id = :'owner_id';
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT results_eq('SELECT chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name, buyer_email,
                          buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone
                   FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)',
                  'SELECT chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name, buyer_email,
                          buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone FROM stored',
                  'the protection owner sees the contacts as stored');
SELECT is((SELECT contacts_masked FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), false,
          'the protection owner: contacts_masked is false');

-- A manager (who is not the owner) sees the contacts.
SET LOCAL cutover.user_id = :'other_id';
SET LOCAL cutover.user_role = 'MANAGER';
SELECT results_eq('SELECT chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name, buyer_email,
                          buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone
                   FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)',
                  'SELECT chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name, buyer_email,
                          buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone FROM stored',
                  'a MANAGER sees the contacts as stored');
SELECT is((SELECT contacts_masked FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), false,
          'a MANAGER: contacts_masked is false');
SELECT is_empty('SELECT 1 FROM read.customer_overview WHERE contacts_masked',
                'a MANAGER sees no masked row in the territory');

-- The connecting superuser reading the view is masked like anybody else without the right.
RESET ROLE;
SET LOCAL cutover.user_id = :'other_id';
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT is((SELECT (contacts_masked, num_nonnulls(chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id,
                   buyer_name, buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone))::text
           FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), '(t,0)',
          'the connecting superuser reading the view as another rep: masked');

-- ---------------------------------------------------------------------------------------------
-- The last day of the protection (protected_until = current_date) still masks.
UPDATE live_customer_overview SET protected_until = current_date WHERE customer_id = (SELECT customer_id FROM ctx);
SET LOCAL ROLE cutover_reader;
SELECT is((SELECT (contacts_masked, num_nonnulls(chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id,
                   buyer_name, buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone))::text
           FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), '(t,0)',
          'protected until today: still masked for another rep');

-- Expired yesterday: masks nothing.
RESET ROLE;
UPDATE crm.lead_protections SET protected_until = current_date - 1 WHERE customer_id = (SELECT customer_id FROM ctx);
UPDATE live_customer_overview SET protected_until = current_date - 1 WHERE customer_id = (SELECT customer_id FROM ctx);
SET LOCAL ROLE cutover_reader;
SELECT results_eq('SELECT chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name, buyer_email,
                          buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone
                   FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)',
                  'SELECT chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name, buyer_email,
                          buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone FROM stored',
                  'expired protection: another rep sees the contacts as stored');
SELECT is((SELECT contacts_masked FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), false,
          'expired protection: contacts_masked is false');
SET LOCAL cutover.user_id = '';
SET LOCAL cutover.user_role = '';
SELECT is((SELECT (contacts_masked, num_nonnulls(chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id,
                   buyer_name, buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone))::text
           FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)),
          (SELECT (false, num_nonnulls(chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id,
                   buyer_name, buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone))::text FROM stored),
          'expired protection: no user sees the contacts too');

-- No protection at all masks nothing either.
RESET ROLE;
UPDATE live_customer_overview SET protection_owner_id = NULL, protection_owner_name = NULL, protected_until = NULL
WHERE customer_id = (SELECT customer_id FROM ctx);
SET LOCAL ROLE cutover_reader;
SELECT is((SELECT contacts_masked FROM read.customer_overview WHERE customer_id = (SELECT customer_id FROM ctx)), false,
          'no protection: contacts_masked is false');

-- ---------------------------------------------------------------------------------------------
-- The whole territory, for another rep: the view equals the read table with the masking rule
-- applied independently (protected today by somebody else => twelve NULLs, masked). The picked
-- customer is protected again so that at least one row is masked.
RESET ROLE;
UPDATE live_customer_overview o SET protection_owner_id = c.owner_id, protected_until = current_date + 30
FROM ctx c WHERE o.customer_id = c.customer_id;
CREATE TEMP TABLE expected_territory ON COMMIT DROP AS
    SELECT customer_id,
           CASE WHEN m THEN NULL ELSE chef_contact_id END AS chef_contact_id,
           CASE WHEN m THEN NULL ELSE chef_name END AS chef_name,
           CASE WHEN m THEN NULL ELSE chef_email END AS chef_email,
           CASE WHEN m THEN NULL ELSE chef_phone END AS chef_phone,
           CASE WHEN m THEN NULL ELSE buyer_contact_id END AS buyer_contact_id,
           CASE WHEN m THEN NULL ELSE buyer_name END AS buyer_name,
           CASE WHEN m THEN NULL ELSE buyer_email END AS buyer_email,
           CASE WHEN m THEN NULL ELSE buyer_phone END AS buyer_phone,
           CASE WHEN m THEN NULL ELSE gf_contact_id END AS gf_contact_id,
           CASE WHEN m THEN NULL ELSE gf_name END AS gf_name,
           CASE WHEN m THEN NULL ELSE gf_email END AS gf_email,
           CASE WHEN m THEN NULL ELSE gf_phone END AS gf_phone,
           m AS contacts_masked
    FROM (SELECT o.*, (o.protection_owner_id IS NOT NULL AND o.protected_until >= current_date
                       AND o.protection_owner_id <> (SELECT other_id FROM ctx)) AS m
          FROM live_customer_overview o WHERE o.territory_code = (SELECT territory_code FROM ctx)) t;
CREATE TEMP TABLE expected_masked_for_owner ON COMMIT DROP AS
    SELECT o.customer_id FROM live_customer_overview o
    WHERE o.territory_code = (SELECT territory_code FROM ctx)
      AND o.protection_owner_id IS NOT NULL AND o.protected_until >= current_date
      AND o.protection_owner_id <> (SELECT owner_id FROM ctx);
GRANT SELECT ON expected_territory, expected_masked_for_owner TO cutover_reader;
SELECT cmp_ok((SELECT count(*) FROM expected_territory WHERE contacts_masked), '>', 0::bigint,
              'precondition: the territory has masked rows for another rep');
SELECT cmp_ok((SELECT count(*) FROM expected_territory WHERE NOT contacts_masked AND chef_contact_id IS NOT NULL),
              '>', 0::bigint, 'precondition: the territory has unmasked rows with contacts');
SET LOCAL ROLE cutover_reader;
SET LOCAL cutover.user_id = :'other_id';
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT bag_eq('SELECT customer_id, chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name,
                      buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone, contacts_masked
               FROM read.customer_overview',
              'SELECT * FROM expected_territory',
              'another rep: every row of the territory is masked exactly when protected today by somebody else');
SELECT is_empty('SELECT 1 FROM read.customer_overview WHERE contacts_masked
                 AND num_nonnulls(chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name,
                                  buyer_email, buyer_phone, gf_contact_id, gf_name, gf_email, gf_phone) > 0',
                'no masked row carries a contact detail');

-- The owner: only the protections of others are masked.
SET LOCAL cutover.user_id = :'owner_id';
SELECT ok(NOT EXISTS (SELECT 1 FROM read.customer_overview WHERE contacts_masked AND protection_owner_id = (SELECT owner_id FROM ctx)),
          'the owner sees the contacts of every lead protected for them');
SELECT set_eq('SELECT customer_id FROM read.customer_overview WHERE contacts_masked',
              'SELECT customer_id FROM expected_masked_for_owner',
              'the owner: exactly the leads protected today by somebody else are masked');

SELECT * FROM finish();
ROLLBACK;
