-- expect: identifier-too-long
-- phase: expand
-- A column name of 31 "ü" plus "_x": 33 characters but 64 bytes, one over the limit.
SET lock_timeout = '2s';
CREATE TABLE crm.grüße (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
ALTER TABLE crm.customers ADD COLUMN üüüüüüüüüüüüüüüüüüüüüüüüüüüüüüü_x text;
