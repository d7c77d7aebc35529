-- 005: safe retries of POST /api/hours (and the log form) by Idempotency-Key.
--
-- A client that lost the answer to a write (a timeout, a 503 during a
-- failover) cannot know whether it committed.  It sends the same request
-- again with the same key; the key's row, committed in the same
-- transaction as the entry, turns the retry into a replay of the first
-- answer.  The primary key, not any process's memory, is what makes two
-- requests with one key write once: the second INSERT waits for the first
-- transaction and then finds its row.  The row is replicated with the
-- entry, so a retry after a failover finds it on the promoted standby.
--
-- Only a committed write holds its key: a request refused by the 24 hour
-- rule leaves nothing, and its retry is judged afresh.  Keys are kept for
-- 24 hours per astronaut and scoped to the astronaut: two astronauts may
-- use the same key.

CREATE TABLE idempotency_keys (
	astronaut_id	bigint NOT NULL REFERENCES astronauts ON DELETE CASCADE,
	key		text NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
	-- the request, so that a key reused for another one is refused
	day		date NOT NULL,
	quarters	integer NOT NULL,
	activity	text NOT NULL,
	-- the answer, as hour_log_row() gave it when the entry was made
	o_id		bigint,
	o_day		text,
	o_q		integer,
	o_activity	text,
	o_created	text,
	o_updated	text,
	created		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (astronaut_id, key)
);

-- Adds an entry once per (astronaut, key).  o_replay: 0 for a new entry
-- (o_id -1 when the day would pass 24 hours: nothing written), 1 for the
-- entry a former request with this key made (the answer it got, even if
-- the entry has changed since), -2 when the key was used for a different
-- request (no row values).
CREATE FUNCTION hours_add_once(p_who bigint, p_key text, p_day date,
    p_q integer, p_activity text)
RETURNS TABLE (o_replay integer, o_id bigint, o_day text, o_q integer,
    o_activity text, o_created text, o_updated text)
LANGUAGE plpgsql AS $$
DECLARE
	k idempotency_keys%ROWTYPE;
	e record;
BEGIN
	INSERT INTO idempotency_keys (astronaut_id, key, day, quarters,
	    activity) VALUES (p_who, p_key, p_day, p_q, p_activity)
	    ON CONFLICT DO NOTHING;
	IF NOT FOUND THEN
		-- A new statement: it sees the committed holder of the key.
		SELECT * INTO k FROM idempotency_keys
		    WHERE astronaut_id = p_who AND key = p_key;
		IF k.day IS DISTINCT FROM p_day OR
		    k.quarters IS DISTINCT FROM p_q OR
		    k.activity IS DISTINCT FROM p_activity THEN
			RETURN QUERY SELECT -2, NULL::bigint, NULL::text,
			    NULL::integer, NULL::text, NULL::text, NULL::text;
			RETURN;
		END IF;
		RETURN QUERY SELECT 1, k.o_id, k.o_day, k.o_q, k.o_activity,
		    k.o_created, k.o_updated;
		RETURN;
	END IF;
	-- hours_add() as the latest migration defines it (totals, notices).
	SELECT * INTO e FROM hours_add(p_who, p_day, p_q, p_activity);
	IF e.o_id < 0 THEN
		DELETE FROM idempotency_keys
		    WHERE astronaut_id = p_who AND key = p_key;
	ELSE
		-- hours_add() holds the astronaut's totals row: no two of
		-- these prune one astronaut's keys at once.
		DELETE FROM idempotency_keys WHERE astronaut_id = p_who AND
		    created < now() - interval '24 hours';
		UPDATE idempotency_keys SET o_id = e.o_id, o_day = e.o_day,
		    o_q = e.o_q, o_activity = e.o_activity,
		    o_created = e.o_created, o_updated = e.o_updated
		    WHERE astronaut_id = p_who AND key = p_key;
	END IF;
	RETURN QUERY SELECT 0, e.o_id, e.o_day, e.o_q, e.o_activity,
	    e.o_created, e.o_updated;
END $$;

-- The hours service's role (004 creates it; roles are per cluster, so
-- test for it rather than for 004): what POST /api/hours with a key
-- needs, and nothing to other roles.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crewlog_hours') THEN
		GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys
		    TO crewlog_hours;
		GRANT EXECUTE ON FUNCTION hours_add_once(bigint, text, date,
		    integer, text) TO crewlog_hours;
	END IF;
END $$;
