-- The source: orders updated over two days, and one row of awkward values.
DROP DATABASE IF EXISTS e2e_postgres_extract WITH (FORCE);
CREATE DATABASE e2e_postgres_extract OWNER weir_etl;
\c e2e_postgres_extract
SET ROLE weir_etl;
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id int PRIMARY KEY, customer text, amount numeric(10,2), tags text[], updated_at timestamptz);
-- Day 1: orders 1..300, updated on 2024-03-01 (minute i).
INSERT INTO shop.orders
  SELECT i, 'customer ' || (i % 7), i * 1.5, ARRAY['t' || (i % 3)], TIMESTAMPTZ '2024-03-01 00:00:00+00' + i * INTERVAL '1 minute'
  FROM generate_series(1, 300) i;
-- Before 'initial': never read.
INSERT INTO shop.orders VALUES (0, 'ancient', 1.00, NULL, TIMESTAMPTZ '2024-02-01 00:00:00+00');
CREATE TABLE shop.types_check (id int, label text, price numeric(12,2), at timestamptz, blob bytea);
INSERT INTO shop.types_check VALUES (1, E'tab\there, "quoted", comma', 12.30, '2024-03-01 12:00:00+05', '\x00ff'),
                                    (2, NULL, NULL, NULL, NULL);
