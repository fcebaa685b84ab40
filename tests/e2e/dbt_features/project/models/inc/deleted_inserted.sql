{{ config(unique_key='day', incremental_strategy='delete+insert') }}
{% if var('batch') == 1 %}
select * from (values ('d1', 1), ('d1', 2), ('d2', 3)) t(day, n)
{% else %}
select * from (values ('d2', 4), ('d2', 5), ('d3', 6)) t(day, n)
{% endif %}
