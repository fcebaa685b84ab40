{% set tiers = run_query("select distinct tier from " ~ ref('customers') ~ " order by 1") %}
{% if execute %}{% set names = tiers.columns[0].values() %}{% else %}{% set names = [] %}{% endif %}
{% call statement('n', fetch_result=True) %}select count(*) from {{ ref('customers') }}{% endcall %}
{% set n = load_result('n')['data'][0][0] if execute else 0 %}
select {% for t in names %}'{{ t }}' as tier_{{ loop.index }}, {% endfor %}{{ cents(2) }} as two_hundred,
  '{{ this.schema }}' as schema_name, {{ n }} as customers
