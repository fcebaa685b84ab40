{{ config(materialized='table') }}
-- Built after the snapshot it reads.
select id, count(*) as versions,
       max(case when dbt_valid_to is null then name end) as current_name
from {{ ref('customers_ts_new') }}
group by id
