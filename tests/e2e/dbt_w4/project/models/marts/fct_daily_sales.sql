{{ config(materialized='incremental', unique_key='sale_date') }}
select
  sale_date,
  count(distinct sale_id) as total_orders,
  count(distinct customer_id) as unique_customers,
  sum(amount) as total_revenue,
  avg(amount) as avg_order_value
from {{ ref('stg_sales') }}
{% if is_incremental() %}
where sale_date > (select max(sale_date) from {{ this }})
{% endif %}
group by sale_date
