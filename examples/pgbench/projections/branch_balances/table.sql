CREATE TABLE {{table}} (bid bigint PRIMARY KEY, accounts bigint NOT NULL, balance bigint NOT NULL);
ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY;
