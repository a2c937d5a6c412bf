-- The account hcckg writes with (HTTP digest authentication on /sparql-auth and
-- /sparql-graph-crud-auth), instead of update rights for the anonymous SPARQL user.
-- tests/engine_servers.py runs this with isql-vt; {password} is filled in.
DB.DBA.USER_CREATE ('hcckg', '{password}');
GRANT SPARQL_UPDATE TO "hcckg";
-- The dba account's default password is changed, so the instance has no known login.
USER_SET_PASSWORD ('dba', '{password}');
