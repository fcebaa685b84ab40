DROP DATABASE IF EXISTS e2e_postgres_load WITH (FORCE);
CREATE DATABASE e2e_postgres_load OWNER weir_etl;
