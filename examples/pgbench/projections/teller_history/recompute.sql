SELECT t.tid::bigint, count(h.tid), coalesce(sum(h.delta), 0)::bigint
FROM public.pgbench_tellers t LEFT JOIN public.pgbench_history h ON h.tid = t.tid
WHERE t.tid = ANY($1::bigint[]) GROUP BY t.tid
