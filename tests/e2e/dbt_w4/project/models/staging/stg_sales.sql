select
  id as sale_id,
  customer_id,
  product_id,
  cast(amount as decimal(10,2)) as amount,
  cast(quantity as integer) as quantity,
  cast(created_at as timestamp) as created_at,
  date(created_at) as sale_date
from {{ source('raw', 'sales') }}
where amount is not null and amount > 0
