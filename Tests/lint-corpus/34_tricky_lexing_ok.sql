-- expect: none
-- phase: expand
-- Dangerous words inside comments, strings, quoted identifiers and function bodies.
-- DROP TABLE crm.customers; CREATE INDEX x ON crm.orders (id);
/* ALTER TABLE crm.orders ALTER COLUMN id TYPE text; /* nested: VACUUM FULL */ */
INSERT INTO crm.territories (code, name, country) VALUES ('XX-1', 'DROP TABLE crm.orders; --', 'DE');
SELECT E'it\'s TRUNCATE crm.users CASCADE', $tag$ ALTER TABLE crm.users DROP COLUMN name $tag$;
CREATE OR REPLACE FUNCTION crm.note(p text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'DROP TABLE ' || quote_ident(p);  -- never a migration statement
    ALTER TABLE crm.users RENAME TO people;
COMMIT;
END
$$;
SELECT 1 AS "DROP TABLE crm.customers; CLUSTER", 'json' AS "varchar(10)";
