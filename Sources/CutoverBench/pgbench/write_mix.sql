-- A realistic CRM write mix, one statement per transaction (pgbench script).
-- Variables: :customers (count), :contacts (count), :users (count).
\set r random(1, 100)
\set cid random(1, :customers)
\set kid random(1, :contacts)
\set uid random(1, :users)
\if :r <= 35
INSERT INTO crm.orders (customer_id, ordered_at, net_amount, item_count) VALUES (:cid, DATE '2026-10-01' + (:r % 30), 100 + :r * 3.5, 1 + :r % 9);
\elif :r <= 60
INSERT INTO crm.activities (customer_id, user_id, kind, occurred_at, note) VALUES (:cid, :uid, 'CALL', TIMESTAMPTZ '2026-10-15 10:00+00' + (:r || ' minutes')::interval, 'bench');
\elif :r <= 80
UPDATE crm.customers SET status = (ARRAY['LEAD','PROSPECT','ACTIVE','INACTIVE'])[1 + :r % 4], updated_at = TIMESTAMPTZ '2026-11-01 00:00+00' + (:r || ' seconds')::interval WHERE id = :cid;
\elif :r <= 95
UPDATE crm.contacts SET phone = '+49 89 ' || :r || :kid WHERE id = :kid;
\else
INSERT INTO crm.samples (customer_id, product, sent_at, follow_up_due) VALUES (:cid, 'Bärlauch-Pesto', DATE '2026-10-20', DATE '2026-11-03');
\endif
