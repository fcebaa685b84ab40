with g as (select * from {{ ref('eph_gold') }})
select customer_id, upper(name) as name from g
