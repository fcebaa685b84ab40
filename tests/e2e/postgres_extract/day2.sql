-- Day 2: orders 301..400 arrive, order 5 is corrected, and order 6 is
-- updated within the overlap of day 1's last value (read again on day 2).
INSERT INTO shop.orders
  SELECT i, 'customer ' || (i % 7), i * 1.5, ARRAY['t' || (i % 3)], TIMESTAMPTZ '2024-03-02 00:00:00+00' + i * INTERVAL '1 minute'
  FROM generate_series(301, 400) i;
UPDATE shop.orders SET amount = 999.99, updated_at = TIMESTAMPTZ '2024-03-02 12:00:00+00' WHERE id = 5;
UPDATE shop.orders SET amount = 6.66, updated_at = TIMESTAMPTZ '2024-03-01 04:30:00+00' WHERE id = 6;
