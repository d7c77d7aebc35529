-- 006: the leaderboard at a million astronauts.
--
-- A page of the leaderboard needs three things the totals_rank index
-- alone gives only by counting: how many astronauts there are, where the
-- row at an offset is, and each row's rank (one more than the number of
-- astronauts with more hours).  At 1,000,000 astronauts counting them
-- took tens of milliseconds per page and page 10,000 walked 500,000 index
-- entries.  board_counts keeps, for each total, how many astronauts have
-- it: a few hundred rows however many astronauts there are.  The count is
-- its sum, a row's rank is one plus the sum of the counts above its
-- total, and the row at an offset is found by walking the counts to its
-- total and then the index inside that one total (see board in
-- src/store.c).
--
-- A trigger on totals keeps it, so every writer (hours_add, hours_update,
-- hours_delete, astronaut_create, an account's cascade delete, the seed)
-- keeps it without being redefined here.  crewlog check verifies it.

CREATE TABLE board_counts (
	quarters	bigint PRIMARY KEY,
	n		bigint NOT NULL CHECK (n >= 0)
);

-- Recomputes board_counts from totals (migration, bulk seeding).
CREATE FUNCTION board_counts_rebuild() RETURNS void LANGUAGE sql AS $$
	DELETE FROM board_counts;
	INSERT INTO board_counts (quarters, n)
	    SELECT quarters, count(*) FROM totals GROUP BY quarters;
$$;

-- A decrement is a plain UPDATE: the row exists (the astronaut was
-- counted there), and an INSERT of a negative count would fail the CHECK
-- before ON CONFLICT is considered.
CREATE FUNCTION board_count_add(p_q bigint, p_n integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_n > 0 THEN
		INSERT INTO board_counts (quarters, n) VALUES (p_q, p_n)
		    ON CONFLICT (quarters) DO UPDATE
		    SET n = board_counts.n + p_n;
	ELSE
		UPDATE board_counts SET n = n + p_n WHERE quarters = p_q;
	END IF;
END $$;

-- Moves an astronaut between totals.  The lower total's row is always
-- locked first, so two writers moving astronauts across the same two
-- totals in opposite directions wait for each other, never deadlock.
-- SECURITY DEFINER: every role that writes totals (crewlog_users creating
-- an astronaut, crewlog_hours through the hours_* functions, a cascade
-- delete) keeps the counts without a privilege on board_counts.
CREATE FUNCTION totals_counted() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM board_count_add(NEW.quarters, 1);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM board_count_add(OLD.quarters, -1);
	ELSIF OLD.quarters < NEW.quarters THEN
		PERFORM board_count_add(OLD.quarters, -1);
		PERFORM board_count_add(NEW.quarters, 1);
	ELSIF OLD.quarters > NEW.quarters THEN
		PERFORM board_count_add(NEW.quarters, 1);
		PERFORM board_count_add(OLD.quarters, -1);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER totals_counted AFTER INSERT OR DELETE OR UPDATE OF quarters
    ON totals FOR EACH ROW EXECUTE FUNCTION totals_counted();

SELECT board_counts_rebuild();

-- Readers (sql/004's roles): the board service pages and counts, the
-- users service ranks /api/me.
GRANT SELECT ON board_counts TO crewlog_board, crewlog_users;
