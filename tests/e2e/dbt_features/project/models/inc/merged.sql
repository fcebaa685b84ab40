{{ config(unique_key=['k1', 'k2'], incremental_strategy='merge') }}
{% if var('batch') == 1 %}
select * from (values (1, 'a', 10), (1, 'b', 20), (2, 'a', 30)) t(k1, k2, v)
{% else %}
select * from (values (1, 'b', 21), (3, 'c', 40)) t(k1, k2, v)
{% endif %}
