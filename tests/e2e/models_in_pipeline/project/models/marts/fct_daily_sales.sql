{{ config(materialized='incremental', unique_key=['order_date', 'category']) }}
-- One row per day and category. A day's build inserts that day only
-- (var('ds'), the pipeline's data interval); a rebuild of the same day
-- replaces its rows through the unique key.
select
    o.order_date,
    p.category,
    sum(o.quantity) as units,
    sum(o.quantity * p.price) as revenue,
    '{{ var("ds") }}' as loaded_for
from {{ source('raw', 'orders') }} as o
join {{ ref('stg_products') }} as p using (product_id)
where o.quantity >= {{ var('min_quantity') }}
{% if is_incremental() %}
  and o.order_date = '{{ var("ds") }}'
{% else %}
  and o.order_date <= '{{ var("ds") }}'
{% endif %}
group by o.order_date, p.category
