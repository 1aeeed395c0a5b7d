CREATE TABLE {{table}} (tid bigint PRIMARY KEY, history_rows bigint NOT NULL, delta_sum bigint NOT NULL);
ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY;
