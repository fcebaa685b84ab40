{{ config(materialized='view') }}
select customer_id, tier from {{ ref('customers') }}
