-- phase: expand
-- The read API's read-model queries of FreshFoodz's views as functions in schema "read" (the
-- engine installs the schema with `cutover init`): each request is ONE statement that sets the
-- caller's context (cutover.api_context from the engine: role cutover_reader,
-- cutover.territories / user_id / user_role, all transaction-local) and then reads the views in
-- schema "read". The statement's own transaction
-- ends with it, so nothing outlives the request on a pooled connection. One round trip instead
-- of four (BEGIN, context, read, COMMIT) halves the time the context costs per request.
--
-- SECURITY INVOKER (the default): the functions run as the API's database user, switch to
-- cutover_reader for the read and never see more than a reader would. They return plain
-- columns (not the views' row types) so a new projection version can replace a view freely.

CREATE OR REPLACE FUNCTION read.api_customer_list(
    p_territories text, p_user_id text, p_user_role text,
    p_territory text, p_segment text, p_status text, p_after_revenue numeric, p_after_id bigint, p_limit integer)
RETURNS TABLE (customer_id bigint, name text, segment text, status text, territory_code text, city text, owner_id bigint,
               owner_name text, order_count bigint, revenue_text text, last_order_at text, chef_name text, buyer_name text,
               gf_name text, contacts_masked boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cutover.api_context(p_territories, p_user_id, p_user_role);
    IF p_segment IS NULL AND p_status IS NULL AND p_after_revenue IS NULL THEN
        -- The common first page: static, so its plan is cached per connection.
        RETURN QUERY
            SELECT v.customer_id, v.name, v.segment, v.status, v.territory_code, v.city, v.owner_id, v.owner_name, v.order_count::int8,
                   v.revenue::text, v.last_order_at::text, v.chef_name, v.buyer_name, v.gf_name, v.contacts_masked
            FROM read.customer_overview v WHERE v.territory_code = p_territory
            ORDER BY v.revenue DESC, v.customer_id LIMIT p_limit;
        RETURN;
    END IF;
    -- Dynamic so each filter combination gets its own plan and index (territory, [segment | status,] revenue).
    RETURN QUERY EXECUTE
        'SELECT v.customer_id, v.name, v.segment, v.status, v.territory_code, v.city, v.owner_id, v.owner_name, v.order_count::int8,
                v.revenue::text, v.last_order_at::text, v.chef_name, v.buyer_name, v.gf_name, v.contacts_masked
         FROM read.customer_overview v WHERE v.territory_code = $1'
        || CASE WHEN p_segment IS NULL THEN '' ELSE ' AND v.segment = $2' END
        || CASE WHEN p_status IS NULL THEN '' ELSE ' AND v.status = $3' END
        || CASE WHEN p_after_revenue IS NULL THEN ''
                ELSE ' AND v.revenue <= $4 AND (v.revenue < $4 OR v.customer_id > $5)' END
        || ' ORDER BY v.revenue DESC, v.customer_id LIMIT $6'
        USING p_territory, p_segment, p_status, p_after_revenue, p_after_id, p_limit;
END
$$;

-- The default order of the customer list: by id, an immutable key, so a client paging with the
-- cursor sees every customer of the territory exactly once however the rows change meanwhile
-- (revenue order above may skip or repeat a customer whose revenue changes between pages).
CREATE OR REPLACE FUNCTION read.api_customer_list_by_id(
    p_territories text, p_user_id text, p_user_role text,
    p_territory text, p_segment text, p_status text, p_after_id bigint, p_limit integer)
RETURNS TABLE (customer_id bigint, name text, segment text, status text, territory_code text, city text, owner_id bigint,
               owner_name text, order_count bigint, revenue_text text, last_order_at text, chef_name text, buyer_name text,
               gf_name text, contacts_masked boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cutover.api_context(p_territories, p_user_id, p_user_role);
    IF p_segment IS NULL AND p_status IS NULL THEN
        RETURN QUERY
            SELECT v.customer_id, v.name, v.segment, v.status, v.territory_code, v.city, v.owner_id, v.owner_name, v.order_count::int8,
                   v.revenue::text, v.last_order_at::text, v.chef_name, v.buyer_name, v.gf_name, v.contacts_masked
            FROM read.customer_overview v WHERE v.territory_code = p_territory AND v.customer_id > coalesce(p_after_id, 0)
            ORDER BY v.customer_id LIMIT p_limit;
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT v.customer_id, v.name, v.segment, v.status, v.territory_code, v.city, v.owner_id, v.owner_name, v.order_count::int8,
                v.revenue::text, v.last_order_at::text, v.chef_name, v.buyer_name, v.gf_name, v.contacts_masked
         FROM read.customer_overview v WHERE v.territory_code = $1 AND v.customer_id > $4'
        || CASE WHEN p_segment IS NULL THEN '' ELSE ' AND v.segment = $2' END
        || CASE WHEN p_status IS NULL THEN '' ELSE ' AND v.status = $3' END
        || ' ORDER BY v.customer_id LIMIT $5'
        USING p_territory, p_segment, p_status, coalesce(p_after_id, 0), p_limit;
END
$$;

CREATE OR REPLACE FUNCTION read.api_customer(p_territories text, p_user_id text, p_user_role text, p_id bigint)
RETURNS TABLE (customer_id bigint, name text, segment text, status text, territory_code text, street text, postal_code text,
               city text, owner_id bigint, owner_name text, protection_owner_id bigint, protection_owner_name text,
               protected_until text, chef_contact_id bigint, chef_name text, chef_email text, chef_phone text,
               buyer_contact_id bigint, buyer_name text, buyer_email text, buyer_phone text, gf_contact_id bigint, gf_name text,
               gf_email text, gf_phone text, contacts_masked boolean, last_sample_id bigint, last_sample_product text,
               last_sample_sent_at text, last_sample_feedback text, last_sample_rating integer, last_sample_follow_up_due text,
               last_sample_followed_up_at text, order_count bigint, revenue_text text, last_order_at text,
               last_order_net_amount text, last_activity_kind text, last_activity_at text, last_activity_user_name text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cutover.api_context(p_territories, p_user_id, p_user_role);
    RETURN QUERY
        SELECT v.customer_id, v.name, v.segment, v.status, v.territory_code, v.street, v.postal_code, v.city, v.owner_id, v.owner_name,
               v.protection_owner_id, v.protection_owner_name, v.protected_until::text,
               v.chef_contact_id, v.chef_name, v.chef_email, v.chef_phone, v.buyer_contact_id, v.buyer_name, v.buyer_email, v.buyer_phone,
               v.gf_contact_id, v.gf_name, v.gf_email, v.gf_phone, v.contacts_masked,
               v.last_sample_id, v.last_sample_product, v.last_sample_sent_at::text, v.last_sample_feedback, v.last_sample_rating::int4,
               v.last_sample_follow_up_due::text, v.last_sample_followed_up_at::text,
               v.order_count::int8, v.revenue::text, v.last_order_at::text, v.last_order_net_amount::text,
               v.last_activity_kind, to_char(v.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               v.last_activity_user_name
        FROM read.customer_overview v WHERE v.customer_id = p_id;
END
$$;

CREATE OR REPLACE FUNCTION read.api_pipeline(p_territories text, p_user_id text, p_user_role text, p_territory text)
RETURNS TABLE (segment text, customers_total integer, leads integer, prospects integer, active integer, inactive integer,
               protected_leads integer, max_protected_until text, samples_awaiting_follow_up integer, next_follow_up_due text,
               order_count integer, revenue text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cutover.api_context(p_territories, p_user_id, p_user_role);
    RETURN QUERY
        SELECT v.segment, v.customers_total, v.leads, v.prospects, v.active, v.inactive, v.protected_leads, v.max_protected_until::text,
               v.samples_awaiting_follow_up, v.next_follow_up_due::text, v.order_count, v.revenue::text
        FROM read.territory_pipeline v WHERE v.territory_code = p_territory ORDER BY v.segment;
END
$$;

CREATE OR REPLACE FUNCTION read.api_followups(
    p_territories text, p_user_id text, p_user_role text,
    p_territory text, p_owner bigint, p_after_due date, p_after_id bigint, p_limit integer)
RETURNS TABLE (sample_id bigint, customer_id bigint, customer_name text, territory_code text, product text, sent_at text,
               follow_up_due_text text, contact_id bigint, contact_name text, contact_email text, contact_phone text,
               owner_id bigint, owner_name text, contacts_masked boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cutover.api_context(p_territories, p_user_id, p_user_role);
    RETURN QUERY EXECUTE
        'SELECT v.sample_id, v.customer_id, v.customer_name, v.territory_code, v.product, v.sent_at::text, v.follow_up_due::text,
                v.contact_id, v.contact_name, v.contact_email, v.contact_phone, v.owner_id, v.owner_name, v.contacts_masked
         FROM read.sample_followups v WHERE v.territory_code = $1'
        || CASE WHEN p_owner IS NULL THEN '' ELSE ' AND v.owner_id = $2' END
        || CASE WHEN p_after_due IS NULL THEN '' ELSE ' AND (v.follow_up_due, v.sample_id) > ($3, $4)' END
        || ' ORDER BY v.follow_up_due, v.sample_id LIMIT $5'
        USING p_territory, p_owner, p_after_due, p_after_id, p_limit;
END
$$;
