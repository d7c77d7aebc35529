-- 002: the leaderboard notification becomes opt-in per connection.
--
-- A pg_notify in a writing transaction makes PostgreSQL serialise the
-- commits of all notifying transactions on a database-wide lock, which
-- caps the write rate.  crewlog's default cache (leaderboard_cache =
-- shared) invalidates the workers of one host through shared memory and
-- needs no notification; a connection that wants one (leaderboard_cache
-- = notify) says so with SET crewlog.notify_board = 'on'.

CREATE FUNCTION board_changed() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('crewlog.notify_board', true) = 'on' THEN
		PERFORM pg_notify('crewlog_leaderboard', '');
	END IF;
END $$;

CREATE OR REPLACE FUNCTION astronaut_create(p_email text, p_name text, p_hash text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_id bigint;
BEGIN
	INSERT INTO astronauts (email, name, pwhash)
	    VALUES (p_email, p_name, p_hash) RETURNING id INTO v_id;
	INSERT INTO totals (astronaut_id, quarters) VALUES (v_id, 0);
	PERFORM board_changed();
	RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION hours_add(p_who bigint, p_day date, p_q integer,
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
	PERFORM board_changed();
	RETURN QUERY SELECT * FROM hour_log_row(v_id);
END $$;

CREATE OR REPLACE FUNCTION hours_update(p_who bigint, p_id bigint, p_day date,
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
	PERFORM board_changed();
	RETURN QUERY SELECT * FROM hour_log_row(p_id);
END $$;

CREATE OR REPLACE FUNCTION hours_delete(p_who bigint, p_id bigint)
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
	PERFORM board_changed();
	RETURN 1;
END $$;
