-- 004: one database role per service, least privilege each.
--
--   crewlog_users  owns astronauts and sessions: signup, login, logout,
--                  /api/users, /api/sessions, /api/me, the home page.
--   crewlog_hours  writes hour logs and totals (through the hours_*
--                  functions), reads a session only through
--                  session_lookup(token hash), never the sessions table.
--   crewlog_board  reads totals and astronaut ids and names: nothing else
--                  (no e-mail, no password hash, no session).
--   crewlog_relay  reads the outbox and marks rows sent: nothing else.
--
-- The monolith (service = all) keeps connecting as the schema owner, the
-- role that runs `crewlog migrate`.  The roles are created LOGIN without
-- a password: set one (ALTER ROLE crewlog_hours PASSWORD '...'), or use
-- IAM or pg_hba rules, and put the role in that pool's database_url.
-- Roles belong to the cluster, not the database, so a second database in
-- the same cluster reuses them; the grants below are per database.
--
-- New objects in later migrations (e.g. 005 idempotency keys, 006
-- leaderboard counts) get NO privilege here: PUBLIC loses EXECUTE on new
-- functions by the default privileges set below, and tables were never
-- PUBLIC.  Each new migration grants what each service needs, in the
-- same file, e.g.
--
--     GRANT SELECT, INSERT, DELETE ON idempotency_keys TO crewlog_hours;
--     GRANT EXECUTE ON FUNCTION board_count() TO crewlog_board;
--
-- and tests/services/test_roles.py then shows the grant suffices.

DO $$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['crewlog_users', 'crewlog_hours',
	    'crewlog_board', 'crewlog_relay'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
			EXECUTE format('CREATE ROLE %I LOGIN', r);
		END IF;
	END LOOP;
END $$;

-- A session as the request path needs it, for a token hash the caller
-- already holds: the hours service checks logins without reading the
-- sessions table (it cannot list hashes or e-mail addresses of others).
CREATE FUNCTION session_lookup(p_hash text)
RETURNS TABLE (o_id bigint, o_email text, o_name text, o_expires bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT a.id, a.email, a.name,
	    floor(extract(epoch FROM s.expires))::bigint
	FROM sessions s JOIN astronauts a ON a.id = s.astronaut_id
	WHERE s.token_hash = p_hash AND s.expires > now()
$$;

-- Functions are executable by PUBLIC unless revoked: revoke on every
-- existing function and, by default, on every function this role makes.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
-- (Per-schema default privileges can only add, so this one is global.)
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO crewlog_users, crewlog_hours,
    crewlog_board, crewlog_relay;

-- users: astronauts, sessions, login throttling; creates the totals row
-- of a new astronaut; /api/me reads its own totals, rank and log count.
GRANT SELECT, INSERT, UPDATE, DELETE ON astronauts, sessions
    TO crewlog_users;
GRANT USAGE ON SEQUENCE astronauts_id_seq TO crewlog_users;
GRANT SELECT, INSERT, DELETE ON login_failures TO crewlog_users;
GRANT SELECT ON totals TO crewlog_users;
GRANT INSERT (astronaut_id, quarters) ON totals TO crewlog_users;
GRANT SELECT (astronaut_id) ON hour_logs TO crewlog_users;
GRANT EXECUTE ON FUNCTION astronaut_create(text, text, text),
    board_changed(), session_lookup(text) TO crewlog_users;

-- hours: hour logs and totals through the write functions (which lock
-- the totals row, hence UPDATE); sessions only through session_lookup.
GRANT SELECT, INSERT, UPDATE, DELETE ON hour_logs TO crewlog_hours;
GRANT USAGE ON SEQUENCE hour_logs_id_seq TO crewlog_hours;
GRANT SELECT, UPDATE (quarters) ON totals TO crewlog_hours;
GRANT EXECUTE ON FUNCTION hours_add(bigint, date, integer, text),
    hours_update(bigint, bigint, date, integer, text),
    hours_delete(bigint, bigint), hour_log_row(bigint), board_changed(),
    session_lookup(text) TO crewlog_hours;

-- board: the ranking and the names on it.
GRANT SELECT ON totals TO crewlog_board;
GRANT SELECT (id, name) ON astronauts TO crewlog_board;

-- relay: the outbox queue.
GRANT SELECT, DELETE ON outbox TO crewlog_relay;
GRANT UPDATE (sent, attempts) ON outbox TO crewlog_relay;
