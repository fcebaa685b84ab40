{{ config(on_schema_change='append_new_columns') }}
select 1 as id{% if var('batch') > 1 %}, 'new' as extra{% endif %}
