-- The request-context functions of migrations/V004__read_api_security.sql, which the read tables'
-- policies and the views' masking evaluate: cutover.reader_territories(), cutover.reader_user_id()
-- and cutover.reader_sees_contacts(protection_owner_id, protected_until). Run as cutover_reader.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql
SELECT plan(24);

SELECT is(current_setting('cutover.user_role', true), NULL, 'precondition: cutover.user_role was never set in this session');

SELECT volatility_is('cutover', 'reader_territories', '{}'::name[], 'stable', 'reader_territories() is STABLE');
SELECT volatility_is('cutover', 'reader_user_id', '{}'::name[], 'stable', 'reader_user_id() is STABLE');
SELECT volatility_is('cutover', 'reader_sees_contacts', ARRAY['bigint', 'date']::name[], 'stable', 'reader_sees_contacts() is STABLE');
SELECT isnt_definer('cutover', 'reader_territories', '{}'::name[], 'reader_territories() is not SECURITY DEFINER');
SELECT isnt_definer('cutover', 'reader_sees_contacts', ARRAY['bigint', 'date']::name[], 'reader_sees_contacts() is not SECURITY DEFINER');

SET LOCAL ROLE cutover_reader;

-- reader_territories()
SELECT is(cutover.reader_territories(), '{}'::text[], 'reader_territories(): no setting: empty');
SET LOCAL cutover.territories = '';
SELECT is(cutover.reader_territories(), '{}'::text[], 'reader_territories(): empty setting: empty');
SET LOCAL cutover.territories = 'DE-BY';
SELECT is(cutover.reader_territories(), ARRAY['DE-BY'], 'reader_territories(): one territory');
SET LOCAL cutover.territories = 'DE-BY,DE-BW';
SELECT is(cutover.reader_territories(), ARRAY['DE-BY', 'DE-BW'], 'reader_territories(): two territories');

-- reader_user_id()
SELECT is(cutover.reader_user_id(), NULL::bigint, 'reader_user_id(): no setting: NULL');
SET LOCAL cutover.user_id = '';
SELECT is(cutover.reader_user_id(), NULL::bigint, 'reader_user_id(): empty setting: NULL');
SET LOCAL cutover.user_id = '42';
SELECT is(cutover.reader_user_id(), 42::bigint, 'reader_user_id(): 42');
SET LOCAL cutover.user_id = 'forty-two';
SELECT throws_ok('SELECT cutover.reader_user_id()', '22P02', NULL, 'reader_user_id(): a malformed id is an error, not "no user"');

-- reader_sees_contacts(), user 6 of a protection owned by user 5. First without any user_role setting.
SET LOCAL cutover.user_id = '6';
-- (current_setting('cutover.user_role', true) is NULL here, and NULL = 'MANAGER' is NULL.)
SELECT is(cutover.reader_sees_contacts(5, current_date + 1), false, 'another user, no user_role setting: false');
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT is(cutover.reader_sees_contacts(NULL, NULL), true, 'no protection: true');
SELECT is(cutover.reader_sees_contacts(5, current_date - 1), true, 'protection expired yesterday: true');
SELECT is(cutover.reader_sees_contacts(5, current_date), false, 'another rep, protected until today: false');
SELECT is(cutover.reader_sees_contacts(5, current_date + 30), false, 'another rep, protected for a month: false');
SET LOCAL cutover.user_id = '5';
SELECT is(cutover.reader_sees_contacts(5, current_date + 30), true, 'the protection owner: true');
SET LOCAL cutover.user_id = '6';
SET LOCAL cutover.user_role = 'MANAGER';
SELECT is(cutover.reader_sees_contacts(5, current_date + 30), true, 'a MANAGER: true');

-- Without a user (a token that acts for no CRM user).
SET LOCAL cutover.user_id = '';
SET LOCAL cutover.user_role = '';
SELECT ok(cutover.reader_sees_contacts(5, current_date + 30) IS NOT TRUE,
          'no user: does not see the contacts');
-- Never NULL: 5 = reader_user_id() is NULL without a user id.
SELECT is(cutover.reader_sees_contacts(5, current_date + 30), false, 'no user: false');
-- This is how LegacyAPIReader.maskedCustomers asks (WHERE ... AND NOT cutover.reader_sees_contacts(...)):
-- were the function NULL, the protected customer would not count as masked and its contacts
-- would be served.
SELECT is(NOT cutover.reader_sees_contacts(5, current_date + 30), true, 'no user: NOT reader_sees_contacts() is true');

SELECT * FROM finish();
ROLLBACK;
