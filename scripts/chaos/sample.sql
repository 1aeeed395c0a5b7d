-- A sample sent, or one followed up (sample_followups).
\set id random(1, :customers)
\set choice random(0, 1)
INSERT INTO crm.samples (customer_id, product, sent_at, follow_up_due)
SELECT id, 'Chaos cheese', DATE '2026-10-20', DATE '2026-11-03' FROM crm.customers WHERE id = :id AND :choice = 0;
UPDATE crm.samples SET followed_up_at = DATE '2026-11-02', feedback = 'liked it', rating = 4
WHERE id = (SELECT id FROM crm.samples WHERE customer_id = :id AND followed_up_at IS NULL ORDER BY id LIMIT 1) AND :choice = 1;
