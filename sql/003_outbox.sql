-- 003: hour events through a transactional outbox.
--
-- Every change to hour_logs (created, edited, deleted) writes one row in
-- outbox in the same transaction, by the statement triggers below: no
-- event without its change and no change without its event, whichever
-- code path wrote the row (the hours_* functions, a bulk seed, a later
-- migration that replaces those functions).  `crewlog relay` publishes
-- the rows to SNS in id order and sets sent; consumers deduplicate on
-- dedup_id (at-least-once delivery).
--
-- Order: an astronaut's writes all lock its totals row first (001) and
-- keep the lock until commit, so an astronaut's events take their ids,
-- and become visible, in the order the changes commit.  The relay
-- publishes in id order, so each astronaut's events (one SNS FIFO message
-- group) arrive in order.  Across astronauts, ids follow commit order
-- only approximately, which no consumer relies on.
--
-- The trigger functions run as their owner (SECURITY DEFINER) so that the
-- hours role writes events only through them: it has no privilege on
-- outbox itself (004).

CREATE TABLE outbox (
	id		bigserial PRIMARY KEY,	-- publication order
	dedup_id	uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
	kind		text NOT NULL CHECK (kind IN ('hours.created',
			    'hours.updated', 'hours.deleted')),
	astronaut_id	bigint NOT NULL,	-- no FK: events outlive the row
	payload		jsonb NOT NULL,
	created		timestamptz NOT NULL DEFAULT now(),
	sent		timestamptz,		-- NULL until published
	attempts	integer NOT NULL DEFAULT 0
);
-- The relay's queue: unsent rows in order, small however long the table.
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent IS NULL;
CREATE INDEX outbox_sent ON outbox (sent) WHERE sent IS NOT NULL;

-- An entry as an event carries it (the API's fields, hours as a number).
CREATE FUNCTION outbox_entry(p_id bigint, p_day date, p_q integer,
    p_activity text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('id', p_id,
	    'date', to_char(p_day, 'YYYY-MM-DD'), 'quarters', p_q,
	    'hours', p_q / 4.0::float8, 'activity', p_activity)
$$;

CREATE FUNCTION outbox_hours_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO outbox (kind, astronaut_id, payload)
	    SELECT 'hours.created', n.astronaut_id, jsonb_build_object(
		'entry', outbox_entry(n.id, n.day, n.quarters, n.activity))
	    FROM new_rows n ORDER BY n.id;
	RETURN NULL;
END $$;

CREATE FUNCTION outbox_hours_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO outbox (kind, astronaut_id, payload)
	    SELECT 'hours.updated', n.astronaut_id, jsonb_build_object(
		'entry', outbox_entry(n.id, n.day, n.quarters, n.activity),
		'before', outbox_entry(o.id, o.day, o.quarters, o.activity))
	    FROM new_rows n JOIN old_rows o ON o.id = n.id ORDER BY n.id;
	RETURN NULL;
END $$;

CREATE FUNCTION outbox_hours_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO outbox (kind, astronaut_id, payload)
	    SELECT 'hours.deleted', o.astronaut_id, jsonb_build_object(
		'entry', outbox_entry(o.id, o.day, o.quarters, o.activity))
	    FROM old_rows o ORDER BY o.id;
	RETURN NULL;
END $$;

-- Statement triggers with transition tables: one INSERT into outbox per
-- statement, however many rows it changed (a bulk seed stays one pass).
CREATE TRIGGER hour_logs_outbox_insert AFTER INSERT ON hour_logs
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_hours_inserted();
CREATE TRIGGER hour_logs_outbox_update AFTER UPDATE ON hour_logs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_hours_updated();
CREATE TRIGGER hour_logs_outbox_delete AFTER DELETE ON hour_logs
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_hours_deleted();
