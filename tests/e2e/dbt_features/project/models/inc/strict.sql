{{ config(on_schema_change='fail') }}
select 1 as id{% if var('batch') > 1 %}, 2 as surprise{% endif %}
