SELECT b.bid::bigint, count(a.aid), coalesce(sum(a.abalance), 0)::bigint
FROM public.pgbench_branches b LEFT JOIN public.pgbench_accounts a ON a.bid = b.bid
WHERE b.bid = ANY($1::bigint[]) GROUP BY b.bid
