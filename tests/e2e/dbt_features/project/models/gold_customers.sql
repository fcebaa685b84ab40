{{ config(alias='gold', pre_hook="create table if not exists hook_log (relation_name varchar)",
          post_hook=["insert into hook_log values ('{{ this }}')"]) }}
select * from {{ ref('eph_gold_upper') }}
