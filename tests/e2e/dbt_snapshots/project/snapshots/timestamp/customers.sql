-- The timestamp strategy (strategy and updated_at come from
-- dbt_project.yml), one snapshot per hard_deletes mode.
{% snapshot customers_ts_ignore %}
{{ config(unique_key='id') }}
select * from {{ source('raw', 'customers') }}
{% endsnapshot %}

{% snapshot customers_ts_invalidate %}
{{ config(unique_key='id', hard_deletes='invalidate') }}
select * from {{ source('raw', 'customers') }}
{% endsnapshot %}

{% snapshot customers_ts_new %}
{{ config(unique_key='id', hard_deletes='new_record') }}
select * from {{ source('raw', 'customers') }}
{% endsnapshot %}
