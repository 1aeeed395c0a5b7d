-- Engine step 5: the generic read path of declared views (projections/*/views/*.yaml).
--
-- The read API answers a read-model request with ONE statement: cutover.api_read sets the
-- caller's context (cutover.api_context: role cutover_reader, territories, user, role, all
-- transaction-local), then executes the view's statement, which the engine generated from the
-- declaration and which returns the response's JSON. The role is switched before the statement
-- is planned, so the read tables' row-level security and the views' masking apply to it; the
-- statement runs with a reader's privileges only; nothing outlives the statement's transaction
-- on a pooled connection. p_arguments are the request's validated parameters ($1 in the
-- statement, each cast where it is used).
--
-- SECURITY INVOKER (the default): only a member of cutover_reader (the engine's user) can switch
-- to it; any other session fails at the switch.
CREATE OR REPLACE FUNCTION cutover.api_read(p_territories text, p_user_id text, p_user_role text,
                                            p_statement text, p_arguments text[])
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    result json;
BEGIN
    PERFORM cutover.api_context(p_territories, p_user_id, p_user_role);
    EXECUTE p_statement INTO result USING p_arguments;
    RETURN result;
END
$$;
