-- 001_init.sql: astronauts, sessions, hour logs, totals, login throttling.
--
-- Hours are stored as quarter hours (integer), so sums are exact: the API's
-- 2.5 hours is 10 quarters.  totals holds one row per astronaut, kept equal
-- to the sum of its hour_logs by the functions below, which are the only
-- writers of hour_logs (crewlog check verifies the invariant).

CREATE TABLE astronauts (
	id		bigserial PRIMARY KEY,
	email		text NOT NULL
			CHECK (length(email) BETWEEN 3 AND 254),
	name		text NOT NULL
			CHECK (length(name) BETWEEN 1 AND 100),
	pwhash		text NOT NULL,
	created		timestamptz NOT NULL DEFAULT now()
);
-- Unique case-insensitively: Buzz@x and buzz@x are one account.
CREATE UNIQUE INDEX astronauts_email_lower ON astronauts (lower(email));

-- Only a hash of the session token is stored: a leaked table opens nothing.
CREATE TABLE sessions (
	token_hash	text PRIMARY KEY,	-- hex BLAKE2b of the token
	astronaut_id	bigint NOT NULL REFERENCES astronauts ON DELETE CASCADE,
	created		timestamptz NOT NULL DEFAULT now(),
	expires		timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires);

-- Workers cache sessions they have looked up; any change to a session
-- (logout, pruning, an expiry moved) tells them to forget their caches.
CREATE FUNCTION sessions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM changed) THEN
		PERFORM pg_notify('crewlog_sessions', '');
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sessions_changed();
CREATE TRIGGER sessions_updated AFTER UPDATE ON sessions
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sessions_changed();

CREATE TABLE hour_logs (
	id		bigserial PRIMARY KEY,
	astronaut_id	bigint NOT NULL REFERENCES astronauts ON DELETE CASCADE,
	day		date NOT NULL,
	quarters	integer NOT NULL CHECK (quarters BETWEEN 1 AND 96),
	activity	text NOT NULL CHECK (length(activity) <= 200),
	created		timestamptz NOT NULL DEFAULT now(),
	updated		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hour_logs_owner_day ON hour_logs (astronaut_id, day DESC, id DESC);

CREATE TABLE totals (
	astronaut_id	bigint PRIMARY KEY REFERENCES astronauts ON DELETE CASCADE,
	quarters	bigint NOT NULL DEFAULT 0 CHECK (quarters >= 0)
);
-- The leaderboard reads this index in order and stops at LIMIT.
CREATE INDEX totals_rank ON totals (quarters DESC, astronaut_id);

-- Failed logins, shared by every worker: key is 'acct:<lower email>' or
-- 'addr:<client address>'.
CREATE TABLE login_failures (
	key		text NOT NULL,
	at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

-- Creates an astronaut and its totals row; unique_violation on the email.
CREATE FUNCTION astronaut_create(p_email text, p_name text, p_hash text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_id bigint;
BEGIN
	INSERT INTO astronauts (email, name, pwhash)
	    VALUES (p_email, p_name, p_hash) RETURNING id INTO v_id;
	INSERT INTO totals (astronaut_id, quarters) VALUES (v_id, 0);
	PERFORM pg_notify('crewlog_leaderboard', '');
	RETURN v_id;
END $$;

-- Every writer of hour_logs first locks the astronaut's totals row, so
-- two concurrent writes for one astronaut cannot both pass the 24 hour
-- check; each statement of a volatile function sees the other's commit.
-- The add and update functions return the entry as the API shows it (one
-- round trip per write), or o_id -1 when the day would pass 24 hours and
-- no row when the entry is not the astronaut's.

CREATE FUNCTION hour_log_row(p_id bigint)
RETURNS TABLE (o_id bigint, o_day text, o_q integer, o_activity text,
    o_created text, o_updated text)
LANGUAGE sql STABLE AS $$
	SELECT h.id, to_char(h.day, 'YYYY-MM-DD'), h.quarters, h.activity,
	    to_char(h.created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
	    to_char(h.updated AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
	FROM hour_logs h WHERE h.id = p_id
$$;

CREATE FUNCTION hours_add(p_who bigint, p_day date, p_q integer,
    p_activity text)
RETURNS TABLE (o_id bigint, o_day text, o_q integer, o_activity text,
    o_created text, o_updated text)
LANGUAGE plpgsql AS $$
DECLARE
	v_id bigint;
	v_sum bigint;
BEGIN
	PERFORM 1 FROM totals WHERE astronaut_id = p_who FOR UPDATE;
	SELECT coalesce(sum(quarters), 0) INTO v_sum FROM hour_logs
	    WHERE astronaut_id = p_who AND day = p_day;
	IF v_sum + p_q > 96 THEN
		RETURN QUERY SELECT -1::bigint, NULL::text, NULL::integer,
		    NULL::text, NULL::text, NULL::text;
		RETURN;
	END IF;
	INSERT INTO hour_logs (astronaut_id, day, quarters, activity)
	    VALUES (p_who, p_day, p_q, p_activity) RETURNING id INTO v_id;
	UPDATE totals SET quarters = quarters + p_q
	    WHERE astronaut_id = p_who;
	PERFORM pg_notify('crewlog_leaderboard', '');
	RETURN QUERY SELECT * FROM hour_log_row(v_id);
END $$;

CREATE FUNCTION hours_update(p_who bigint, p_id bigint, p_day date,
    p_q integer, p_activity text)
RETURNS TABLE (o_id bigint, o_day text, o_q integer, o_activity text,
    o_created text, o_updated text)
LANGUAGE plpgsql AS $$
DECLARE
	v_old integer;
	v_sum bigint;
BEGIN
	PERFORM 1 FROM totals WHERE astronaut_id = p_who FOR UPDATE;
	SELECT quarters INTO v_old FROM hour_logs
	    WHERE id = p_id AND astronaut_id = p_who;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT coalesce(sum(quarters), 0) INTO v_sum FROM hour_logs
	    WHERE astronaut_id = p_who AND day = p_day AND id <> p_id;
	IF v_sum + p_q > 96 THEN
		RETURN QUERY SELECT -1::bigint, NULL::text, NULL::integer,
		    NULL::text, NULL::text, NULL::text;
		RETURN;
	END IF;
	UPDATE hour_logs SET day = p_day, quarters = p_q,
	    activity = p_activity, updated = now() WHERE id = p_id;
	UPDATE totals SET quarters = quarters - v_old + p_q
	    WHERE astronaut_id = p_who;
	PERFORM pg_notify('crewlog_leaderboard', '');
	RETURN QUERY SELECT * FROM hour_log_row(p_id);
END $$;

-- Deletes a log: 1, or 0 when it is not the astronaut's.
CREATE FUNCTION hours_delete(p_who bigint, p_id bigint)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	v_old integer;
BEGIN
	PERFORM 1 FROM totals WHERE astronaut_id = p_who FOR UPDATE;
	DELETE FROM hour_logs WHERE id = p_id AND astronaut_id = p_who
	    RETURNING quarters INTO v_old;
	IF NOT FOUND THEN
		RETURN 0;
	END IF;
	UPDATE totals SET quarters = quarters - v_old
	    WHERE astronaut_id = p_who;
	PERFORM pg_notify('crewlog_leaderboard', '');
	RETURN 1;
END $$;
