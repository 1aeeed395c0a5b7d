#!/usr/bin/env python3
"""Writes one SQL file per capture variant (v_<name>.sql) into the current folder.
Each file drops the capture row triggers on crm.* and installs the variant's."""
T = {'crm.activities': ['customer_id'], 'crm.contacts': ['customer_id', 'id'], 'crm.customers': ['id', 'territory_code'],
     'crm.lead_protections': ['customer_id'], 'crm.orders': ['customer_id'], 'crm.samples': ['customer_id', 'id'], 'crm.users': ['id']}
SKIP = "    IF current_setting('cutover.capture', true) = 'off' THEN RETURN NULL; END IF;\n"
WAKE = {
    'none': '',
    # V003: a function per transaction (SELECT on the throttle sequence, a transaction-local setting)
    'v003': """    IF current_setting('cutover.wakeup_armed', true) IS DISTINCT FROM 'on' THEN
        PERFORM exp.wakeup_v003();
    END IF;
""",
    # V008: inline, per row
    'inline': """    IF coalesce(pg_sequence_last_value('cutover.wakeup_bucket'), -1) < floor(date_part('epoch', clock_timestamp()) * 1000 / 20) THEN
        PERFORM setval('cutover.wakeup_bucket', floor(date_part('epoch', clock_timestamp()) * 1000 / 20)::bigint);
        PERFORM pg_notify('cutover_changes', '');
    END IF;
""",
}
def keys(kind, row, cols):
    if kind == 'jsonb': return "jsonb_build_object(" + ", ".join(f"'{c}', {row}.{c}" for c in cols) + ")"
    if kind == 'jsonbtext': return "jsonb_build_object(" + ", ".join(f"'{c}', {row}.{c}::text" for c in cols) + ")"
    if kind == 'arr': return "ARRAY[" + ", ".join(f"{row}.{c}::text" for c in cols) + "]"
def insert_body(table_sql, kind, t, cols):
    return f"""    IF TG_OP = 'INSERT' THEN
        INSERT INTO {table_sql} (source_table, op, new_key) VALUES ('{t}', 'I', {keys(kind, 'NEW', cols)});
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO {table_sql} (source_table, op, old_key, new_key) VALUES ('{t}', 'U', {keys(kind, 'OLD', cols)}, {keys(kind, 'NEW', cols)});
    ELSE
        INSERT INTO {table_sql} (source_table, op, old_key) VALUES ('{t}', 'D', {keys(kind, 'OLD', cols)});
    END IF;
"""
def variant(name, body_for):
    out = ["SELECT exp.drop_capture();"]
    for t, cols in T.items():
        fn = f"exp.{name}_{t.replace('.', '_')}"
        out.append(f"""CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{body_for(t, cols)}    RETURN NULL;
END $$;
CREATE TRIGGER cutover_capture AFTER INSERT OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION {fn}();
CREATE TRIGGER cutover_capture_update AFTER UPDATE ON {t} FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION {fn}();""")
    open(f"v_{name}.sql", "w").write("\n".join(out) + "\n")

variant('v003', lambda t, c: SKIP + WAKE['v003'] + insert_body('exp.log_v003', 'jsonb', t, c))
variant('v003nowake', lambda t, c: SKIP + insert_body('exp.log_v003', 'jsonb', t, c))
variant('lean', lambda t, c: SKIP + insert_body('exp.log_lean', 'arr', t, c))
variant('v007', lambda t, c: SKIP + WAKE['inline'] + insert_body('cutover.change_log', 'jsonbtext', t, c))
variant('msg', lambda t, c: SKIP + f"    PERFORM pg_logical_emit_message(true, 'cutover', '{t}|' || TG_OP);\n")
variant('noop', lambda t, c: '')
open("v_off.sql", "w").write("SELECT exp.drop_capture();\n")
# The project's own capture triggers again (the functions of the newest capture migration).
with open("v_restore.sql", "w") as f:
    f.write("SELECT exp.drop_capture();\n")
    for t in T:
        fn = "cutover.capture_" + t.replace('.', '_')
        f.write(f"CREATE TRIGGER cutover_capture AFTER INSERT OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION {fn}();\n")
        f.write(f"CREATE TRIGGER cutover_capture_update AFTER UPDATE ON {t} FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION {fn}();\n")
