-- The check strategy on every column, one snapshot per hard_deletes mode.
{% snapshot customers_check_ignore %}
{{ config(unique_key='id', strategy='check', check_cols='all') }}
select * from {{ source('raw', 'customers') }}
{% endsnapshot %}

{% snapshot customers_check_invalidate %}
{{ config(unique_key='id', strategy='check', check_cols='all', invalidate_hard_deletes=true) }}
select * from {{ source('raw', 'customers') }}
{% endsnapshot %}

{% snapshot customers_check_new %}
{{ config(unique_key='id', strategy='check', check_cols='all', hard_deletes='new_record') }}
select * from {{ source('raw', 'customers') }}
{% endsnapshot %}
