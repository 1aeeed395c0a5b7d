-- Engine step 5: the generic read path of declared views (projections/*/views/*.yaml).
--
-- The read API answers a read-model request with ONE statement: cutover.api_read sets the
-- caller's context (cutover.api_context: role cutover_reader, territories, user, role, all
-- transaction-local), then executes the view's statement, which the engine generated from the
-- declaration and which returns the response's JSON. The role is switched before the statement
-- runs, so the read tables' row-level security and the views' masking apply to it; the
-- statement runs with a reader's privileges only; nothing of the caller outlives the
-- statement's transaction on a pooled connection. p_arguments are the request's validated
-- parameters ($1 in the statement, each cast where it is used).
--
-- Plans are kept: each distinct statement text is prepared once per session (a named prepared
-- statement; its text holds no caller data, only the view's SQL) and executed with the
-- arguments, so a request does not plan its statement again. At most 200 are kept per session;
-- past that they are deallocated and prepared again as they come. The row-level security
-- policies read the context when the statement runs, not when it was prepared.
--
-- SECURITY INVOKER (the default): only a member of cutover_reader can switch to it; any other
-- session fails at the switch.
CREATE OR REPLACE FUNCTION cutover.api_read(p_territories text, p_user_id text, p_user_role text,
                                            p_statement text, p_arguments text[])
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    result json;
    statement_name text := 'cutover_read_' || md5(p_statement);
    kept record;
BEGIN
    PERFORM cutover.api_context(p_territories, p_user_id, p_user_role);
    IF NOT EXISTS (SELECT 1 FROM pg_prepared_statements s WHERE s.name = statement_name) THEN
        IF (SELECT count(*) FROM pg_prepared_statements s WHERE s.name LIKE 'cutover\_read\_%') >= 200 THEN
            FOR kept IN SELECT s.name FROM pg_prepared_statements s WHERE s.name LIKE 'cutover\_read\_%' LOOP
                EXECUTE format('DEALLOCATE %I', kept.name);
            END LOOP;
        END IF;
        EXECUTE format('PREPARE %I(text[]) AS %s', statement_name, p_statement);
    END IF;
    EXECUTE format('EXECUTE %I(%L)', statement_name, p_arguments) INTO result;
    RETURN result;
END
$$;
