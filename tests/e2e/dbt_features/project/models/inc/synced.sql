{{ config(on_schema_change='sync_all_columns') }}
{% if var('batch') == 1 %}select 1 as id, 'old' as gone{% else %}select 2 as id, 'x' as added{% endif %}
