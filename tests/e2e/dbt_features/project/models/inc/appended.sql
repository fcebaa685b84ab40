{{ config(incremental_strategy='append') }}
select {{ var('batch') }} as batch
{% if is_incremental() %} where {{ var('batch') }} > (select max(batch) from {{ this }}) {% endif %}
