<?php
/*
 * bench/peer/index.php: crewlog's benchmarked routes in PHP 8.2, the
 * peer bench/app.py runs under PHP-FPM behind the same nginx.  Same
 * schema, same SQL (the functions of sql/001_init.sql), PDO pgsql with a
 * persistent connection, the same token hashing (BLAKE2b-256 via
 * libsodium) and the same JSON and HTML shapes.
 *
 *   GET  /leaderboard?page=     HTML, top 50 per page
 *   GET  /api/leaderboard?limit=&offset=
 *   POST /api/hours             Authorization: Bearer, JSON body
 *   GET  /api/me
 */
declare(strict_types=1);

function db(): PDO
{
	static $db = null;
	if ($db === null) {
		$db = new PDO(getenv('PEER_DSN') ?: 'pgsql:', null, null, [
			PDO::ATTR_PERSISTENT => true,
			PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
			PDO::ATTR_EMULATE_PREPARES => false,
		]);
	}
	return $db;
}

function json_out(int $status, $v): void
{
	http_response_code($status);
	header('Content-Type: application/json');
	echo json_encode($v, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
}

function fail(int $status, string $code, string $msg, ?array $fields = null): void
{
	$e = ['code' => $code, 'message' => $msg];
	if ($fields !== null)
		$e['fields'] = $fields;
	json_out($status, ['error' => $e]);
}

function hours(int $q)
{
	return $q % 4 === 0 ? intdiv($q, 4) : $q / 4;
}

function board(int $limit, int $offset): array
{
	$total = (int)db()->query('SELECT count(*) FROM totals')->fetchColumn();
	$st = db()->prepare('SELECT rank() OVER (ORDER BY t.quarters DESC), ' .
	    'a.id, a.name, t.quarters FROM totals t JOIN astronauts a ' .
	    'ON a.id = t.astronaut_id ORDER BY t.quarters DESC, ' .
	    't.astronaut_id LIMIT ? OFFSET ?');
	$st->execute([$limit, $offset]);
	$rows = [];
	foreach ($st->fetchAll(PDO::FETCH_NUM) as $r)
		$rows[] = ['rank' => (int)$r[0], 'name' => $r[2],
		    'hours' => hours((int)$r[3])];
	return [$rows, $total];
}

function user(): ?array
{
	$h = $_SERVER['HTTP_AUTHORIZATION'] ?? '';
	if (strncasecmp($h, 'Bearer ', 7) !== 0)
		return null;
	$hash = bin2hex(sodium_crypto_generichash(substr($h, 7)));
	$st = db()->prepare('SELECT a.id, a.email, a.name FROM sessions s ' .
	    'JOIN astronauts a ON a.id = s.astronaut_id ' .
	    'WHERE s.token_hash = ? AND s.expires > now()');
	$st->execute([$hash]);
	$u = $st->fetch(PDO::FETCH_ASSOC);
	return $u === false ? null : $u;
}

function valid_date(string $d): bool
{
	if (!preg_match('/^(\d{4})-(\d{2})-(\d{2})$/', $d, $m))
		return false;
	return checkdate((int)$m[2], (int)$m[3], (int)$m[1]) &&
	    $m[1] >= 1900 && $m[1] <= 2199;
}

function h_hours_create(): void
{
	$u = user();
	if ($u === null) {
		fail(401, 'unauthorized', 'Log in first.');
		return;
	}
	$in = json_decode(file_get_contents('php://input'), true);
	if (!is_array($in)) {
		fail(400, 'bad_request', 'The body must be a JSON object.');
		return;
	}
	$err = [];
	$date = $in['date'] ?? null;
	if (!is_string($date) || !valid_date($date))
		$err['date'] = 'must be a date like 2026-11-20';
	$h = $in['hours'] ?? null;
	if (!is_int($h) && !is_float($h) || $h < 0.25 || $h > 24 ||
	    floor($h * 4) != $h * 4)
		$err['hours'] = 'must be between 0.25 and 24, in steps of 0.25';
	$act = $in['activity'] ?? null;
	/* /u fails on invalid UTF-8; {1,200} counts code points. */
	if (!is_string($act) || !preg_match('/^.{1,200}$/us', $act) ||
	    preg_match('/[\x00-\x1f\x7f]/', $act))
		$err['activity'] = 'must be 1 to 200 characters';
	if ($err) {
		fail(400, 'validation', 'Please correct the highlighted fields.', $err);
		return;
	}
	$st = db()->prepare('SELECT * FROM hours_add(?, ?::date, ?, ?)');
	$st->execute([$u['id'], $date, (int)($h * 4), $act]);
	$r = $st->fetch(PDO::FETCH_NUM);
	if ((int)$r[0] < 0) {
		fail(422, 'validation', "An astronaut's day has 24 hours.",
		    ['hours' => 'would bring this day past 24 hours']);
		return;
	}
	header('Location: /api/hours/' . $r[0]);
	json_out(201, ['id' => (int)$r[0], 'date' => $r[1],
	    'hours' => hours((int)$r[2]), 'activity' => $r[3],
	    'created' => $r[4], 'updated' => $r[5]]);
}

function e(string $s): string
{
	return htmlspecialchars($s, ENT_QUOTES | ENT_HTML5, 'UTF-8');
}

function h_board_page(): void
{
	$page = $_GET['page'] ?? '1';
	if (!ctype_digit($page) || (int)$page < 1) {
		http_response_code(400);
		echo 'page: must be an integer from 1';
		return;
	}
	$page = (int)$page;
	[$rows, $total] = board(50, ($page - 1) * 50);
	$pages = max(1, intdiv($total + 49, 50));
	header('Content-Type: text/html; charset=utf-8');
	header("Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
	header('X-Content-Type-Options: nosniff');
	header('Referrer-Policy: same-origin');
	echo "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
	    "<title>Leaderboard · crewlog</title>\n",
	    "<link rel=\"stylesheet\" href=\"/static/crewlog.css\">\n</head>\n<body>\n",
	    "<header class=\"top\"><div class=\"bar\"><a class=\"brand\" href=\"/\">crewlog</a>",
	    "<div class=\"account\"><a href=\"/login\">Log in</a></div></div>\n",
	    "<nav aria-label=\"Sections\"><ul class=\"tabs\"><li><a href=\"/log\">Log hours</a></li>",
	    "<li><a href=\"/leaderboard\" aria-current=\"page\">Leaderboard</a></li></ul></nav></header>\n",
	    "<main id=\"main\"><section class=\"card\"><h1>Leaderboard</h1>\n",
	    "<p class=\"aside\">", $total, " astronauts, ranked by training hours.</p>\n",
	    "<div class=\"scroll\"><table class=\"board\"><caption class=\"sr\">Training hours, page ",
	    $page, " of ", $pages, "</caption>\n<thead><tr><th scope=\"col\" class=\"num\">Rank</th>",
	    "<th scope=\"col\">Name</th><th scope=\"col\" class=\"num\">Hours</th></tr></thead>\n<tbody>\n";
	foreach ($rows as $r)
		echo '<tr><td class="num">', $r['rank'], '</td><td>', e($r['name']),
		    '</td><td class="num">', $r['hours'], "</td></tr>\n";
	echo "</tbody>\n</table></div>\n<nav class=\"pager\" aria-label=\"Leaderboard pages\">";
	if ($page > 1)
		echo '<a href="/leaderboard?page=', $page - 1, '" rel="prev">← Previous</a>';
	echo "<span>Page $page of $pages</span>";
	if ($page < $pages)
		echo '<a href="/leaderboard?page=', $page + 1, '" rel="next">Next →</a>';
	echo "</nav></section></main>\n<footer class=\"foot\"><p>crewlog · training hours for the crew</p></footer>\n</body>\n</html>\n";
}

function h_board_api(): void
{
	$limit = $_GET['limit'] ?? '50';
	$offset = $_GET['offset'] ?? '0';
	$err = [];
	if (!ctype_digit($limit) || (int)$limit < 1 || (int)$limit > 100)
		$err['limit'] = 'must be an integer from 1 to 100';
	if (!ctype_digit($offset) || (int)$offset > 1000000000)
		$err['offset'] = 'must be an integer from 0 to 1000000000';
	if ($err) {
		fail(400, 'validation', 'Invalid query parameter.', $err);
		return;
	}
	[$rows, $total] = board((int)$limit, (int)$offset);
	json_out(200, ['entries' => $rows, 'total' => $total,
	    'limit' => (int)$limit, 'offset' => (int)$offset]);
}

function h_me(): void
{
	$u = user();
	if ($u === null) {
		fail(401, 'unauthorized', 'Log in first.');
		return;
	}
	$st = db()->prepare('SELECT t.quarters, (SELECT count(*) + 1 FROM ' .
	    'totals t2 WHERE t2.quarters > t.quarters) FROM totals t ' .
	    'WHERE t.astronaut_id = ?');
	$st->execute([$u['id']]);
	$r = $st->fetch(PDO::FETCH_NUM);
	json_out(200, ['id' => (int)$u['id'], 'email' => $u['email'],
	    'name' => $u['name'], 'hours' => hours((int)$r[0]),
	    'rank' => (int)$r[1]]);
}

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
header('Cache-Control: no-store');
try {
	if ($path === '/leaderboard' && $method === 'GET')
		h_board_page();
	elseif ($path === '/api/leaderboard' && $method === 'GET')
		h_board_api();
	elseif ($path === '/api/hours' && $method === 'POST')
		h_hours_create();
	elseif ($path === '/api/me' && $method === 'GET')
		h_me();
	else
		fail(404, 'not_found', 'There is nothing at this address.');
} catch (PDOException $ex) {
	header('Retry-After: 1');
	fail(503, 'unavailable', 'The database is unavailable right now.');
}
