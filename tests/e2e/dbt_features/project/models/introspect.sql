-- depends_on: {{ ref('customers') }}
{{ config(materialized='table', meta={'owner': 'data-team'}) }}
{% set dt = modules.datetime %}
{% if execute %}
  {{ log('introspected ' ~ this.identifier, info=True) }}
  {% set seed = adapter.get_relation(database=this.database, schema='main', identifier='CUSTOMERS') %}
  {% set columns = adapter.get_columns_in_relation(seed) %}
  {% set missing = adapter.get_relation(this.database, 'main', 'no_such_table') %}
{% endif %}
select
  '{{ seed.type if execute else '' }}' as seed_type,
  '{{ seed if execute else '' }}' as seed_relation,
  '{% if execute %}{% for c in columns %}{{ c.name }}:{{ c.data_type }}{{ "," if not loop.last else "" }}{% endfor %}{% endif %}' as seed_columns,
  {{ 'true' if execute and missing is none else 'false' }} as missing_is_none,
  '{{ config.get("materialized") }}' as materialized,
  '{{ config.get("no_such_key", "fallback") }}' as defaulted,
  '{{ config.meta_get("owner") }}' as owner,
  '{{ (dt.date(2024, 2, 28) + dt.timedelta(days=2)).isoformat() }}' as leap_day_plus,
  '{{ dt.datetime.strptime("2024-03-10 14:05", "%Y-%m-%d %H:%M").strftime("%d/%m/%Y %I%p") }}' as reformatted,
  '{{ dt.datetime(2024, 1, 2) - dt.datetime(2023, 12, 30, 12) }}' as gap,
  {{ (dt.datetime(2024, 1, 2) - dt.datetime(2023, 12, 30, 12)).total_seconds() | int }} as gap_seconds,
  {{ dt.date(2024, 3, 1) > dt.date(2024, 2, 29) }} as later
