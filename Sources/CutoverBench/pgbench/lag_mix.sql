-- Mixed writes at a fixed rate; 40% are probes whose name carries the write time, so a trigger
-- on the read table can measure commit-to-visible lag with the database clock.
\set r random(1, 100)
\set cid random(1, :customers)
\set kid random(1, :contacts)
\set uid random(1, :users)
\if :r <= 40
UPDATE crm.customers SET name = 'probe ' || extract(epoch FROM clock_timestamp())::text WHERE id = :cid;
\elif :r <= 70
INSERT INTO crm.orders (customer_id, ordered_at, net_amount, item_count) VALUES (:cid, DATE '2026-10-01' + (:r % 30), 100 + :r * 3.5, 1 + :r % 9);
\elif :r <= 90
INSERT INTO crm.activities (customer_id, user_id, kind, occurred_at, note) VALUES (:cid, :uid, 'VISIT', TIMESTAMPTZ '2026-10-15 10:00+00' + (:r || ' minutes')::interval, 'bench');
\else
UPDATE crm.contacts SET phone = '+49 30 ' || :r || :kid WHERE id = :kid;
\endif
