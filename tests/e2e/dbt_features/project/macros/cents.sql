{% macro cents(x) %}{{ return(adapter.dispatch('cents')(x)) }}{% endmacro %}
{% macro default__cents(x) %}({{ x }} * 100){% endmacro %}
